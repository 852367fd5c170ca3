import type { StoredMessage } from '../history/history-store.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import { cachedCount } from './cached-count.ts';
import { MERGE_SEPARATOR, type PromptPart } from './merge-same-role.ts';
import { type ImageOmission, promptImages } from './prompt-attachments.ts';
import { isBlank, renderContent, renderContentKeeping } from './render-message.ts';
import { isToolExchangePart, toolExchangeFields } from './tool-units.ts';
import { truncateWithMarker } from './truncate.ts';

/**
 * Tokens reserved per merge on top of the separator. Merging saves a message's overhead (4 tokens)
 * and adds the separator (1), and where two texts meet BPE may shift a token or two; the merged
 * text is recounted anyway, so this only makes the rare re-fit after merging unnecessary.
 */
const MERGE_MARGIN_TOKENS = 2;

/** A message as it would be picked, and what picking it takes from the tokens left. */
interface FittedPart {
  /** The part, with the images it keeps. */
  part: PromptPart;
  /** Its marginal cost (see `marginalCost`). */
  cost: number;
  /** Images of the message left out. */
  dropped: number;
}

/**
 * Picks conversation messages newest first while they fit in the tokens left, using their cached
 * `tokens`, and stops for good at the first one that does not: a prompt never skips a message to
 * send an older one. Images compete in the same order, but a message whose images do not fit is still
 * picked if it fits without (some of) them — its newest images kept, the others named as omitted — and
 * from then on no older image is sent, so images are dropped oldest first. Only a message that loses
 * images is encoded again (with its omission notes), never one that fits whole.
 */
export class ConversationPicker {
  /** The picked parts, newest first. */
  readonly picked: PromptPart[] = [];
  /** Blank messages passed over (neither sent nor counted as dropped). */
  blanks = 0;
  /** Images of picked messages left out (for lack of room, or all of them when images are off). */
  droppedImages = 0;
  /** Tokens still free; other prompt parts (the summary) may take from it between picks. */
  remaining: number;
  /** Whether a message no longer fitted, so nothing older may be picked. */
  private full = false;
  /** Whether images may still be sent: false once one was left out, so no older one goes. */
  private imagesAllowed: boolean;
  private readonly omission: ImageOmission;
  private readonly counter: TokenCounter;
  private readonly separatorTokens: number;

  constructor(counter: TokenCounter, remaining: number, sendImages = true) {
    this.counter = counter;
    this.remaining = remaining;
    this.imagesAllowed = sendImages;
    this.omission = sendImages ? 'prompt budget' : 'images off';
    this.separatorTokens = cachedCount(counter, MERGE_SEPARATOR);
  }

  /** Picks the newest message, whatever it costs: cut to what is left (but never to nothing). Returns whether it was cut. */
  pickNewest(newest: StoredMessage): boolean {
    const fitted = this.fit(newest);
    if (fitted) {
      this.take(fitted);
      return false;
    }
    // Not even its text fits: cut it, its images named as omitted (their lines may be cut away too).
    const overhead = this.counter.messageOverhead(newest.role);
    const imageCount = promptImages(newest).length;
    const cut = truncateWithMarker(
      this.counter,
      renderContentKeeping(newest, 0, this.omission),
      Math.max(1, this.remaining - overhead),
      'head-tail',
      imageCount === 0 ? newest.tokens - overhead : undefined,
    );
    const part = { role: newest.role, text: cut.text, tokens: overhead + cut.tokens, images: [] };
    this.take({ part, cost: part.tokens, dropped: imageCount });
    return cut.truncated;
  }

  /** Picks `messages[from]`, then older ones down to `messages[to]`, until one does not fit. */
  pickOlder(messages: readonly StoredMessage[], from: number, to: number): void {
    for (let index = from; index >= to && !this.full; index--) this.full = !this.pick(messages[index]!);
  }

  /** Picks `message` if it fits; false when it does not (and nothing older may be picked). */
  private pick(message: StoredMessage): boolean {
    if (isBlank(message)) {
      this.blanks++;
      return true;
    }
    const fitted = this.fit(message);
    if (fitted) this.take(fitted);
    return fitted !== undefined;
  }

  /** The message whole if it fits, else with as many of its newest images as fit; `undefined` if not even bare. */
  private fit(message: StoredMessage): FittedPart | undefined {
    const images = promptImages(message);
    if (images.length === 0 || this.imagesAllowed) {
      const cost = this.marginalCost(message, message.tokens);
      const text = renderContent(message);
      const part = {
        role: message.role,
        text,
        tokens: message.tokens,
        images,
        ...toolExchangeFields(message),
      };
      if (cost <= this.remaining) return { part, cost, dropped: 0 };
      if (images.length === 0) return undefined;
    }
    const overhead = this.counter.messageOverhead(message.role);
    for (let kept = this.imagesAllowed ? images.length - 1 : 0; kept >= 0; kept--) {
      const keptImages = images.slice(images.length - kept);
      const text = renderContentKeeping(message, kept, this.omission);
      const imageTokens = keptImages.reduce((sum, image) => sum + image.tokens, 0);
      const tokens = overhead + this.counter.count(text) + imageTokens;
      const cost = this.marginalCost(message, tokens);
      const part = { role: message.role, text, tokens, images: keptImages, ...toolExchangeFields(message) };
      if (cost <= this.remaining) return { part, cost, dropped: images.length - kept };
    }
    return undefined;
  }

  private take(fitted: FittedPart): void {
    this.picked.push(fitted.part);
    this.remaining -= fitted.cost;
    if (fitted.dropped > 0) {
      this.droppedImages += fitted.dropped;
      this.imagesAllowed = false;
    }
  }

  /**
   * What adding a message that costs `tokens` alone costs: that, or — when it merges with the oldest one
   * picked so far — its content, a separator and a margin instead of a second message overhead.
   */
  private marginalCost(message: StoredMessage, tokens: number): number {
    const { role } = message;
    const older = this.picked.at(-1);
    if (older?.role !== role || isToolExchangePart(message) || isToolExchangePart(older)) return tokens;
    const content = Math.max(0, tokens - this.counter.messageOverhead(role));
    return content + this.separatorTokens + MERGE_MARGIN_TOKENS;
  }
}
