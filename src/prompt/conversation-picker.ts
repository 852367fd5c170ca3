import type { StoredMessage } from '../history/history-store.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import { cachedCount } from './cached-count.ts';
import { MERGE_SEPARATOR, type PromptPart } from './merge-same-role.ts';
import { isBlank, renderContent } from './render-message.ts';
import { truncateWithMarker } from './truncate.ts';

/**
 * Tokens reserved per merge on top of the separator. Merging saves a message's overhead (4 tokens)
 * and adds the separator (1), and where two texts meet BPE may shift a token or two; the merged
 * text is recounted anyway, so this only makes the rare re-fit after merging unnecessary.
 */
const MERGE_MARGIN_TOKENS = 2;

/**
 * Picks conversation messages newest first while they fit in the tokens left, using their cached
 * `tokens`, and stops for good at the first one that does not: a prompt never skips a message to
 * send an older one.
 */
export class ConversationPicker {
  /** The picked parts, newest first. */
  readonly picked: PromptPart[] = [];
  /** Blank messages passed over (neither sent nor counted as dropped). */
  blanks = 0;
  /** Tokens still free; other prompt parts (the summary) may take from it between picks. */
  remaining: number;
  /** Whether a message no longer fitted, so nothing older may be picked. */
  private full = false;
  private readonly counter: TokenCounter;
  private readonly separatorTokens: number;

  constructor(counter: TokenCounter, remaining: number) {
    this.counter = counter;
    this.remaining = remaining;
    this.separatorTokens = cachedCount(counter, MERGE_SEPARATOR);
  }

  /** Picks the newest message, whatever it costs: cut to what is left (but never to nothing). Returns whether it was cut. */
  pickNewest(newest: StoredMessage): boolean {
    const overhead = this.counter.messageOverhead(newest.role);
    const cut = truncateWithMarker(
      this.counter,
      renderContent(newest),
      Math.max(1, this.remaining - overhead),
      'head-tail',
      newest.tokens - overhead,
    );
    this.picked.push({ role: newest.role, text: cut.text, tokens: overhead + cut.tokens });
    this.remaining -= overhead + cut.tokens;
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
    const cost = this.marginalCost(message);
    if (cost > this.remaining) return false;
    this.picked.push({ role: message.role, text: renderContent(message), tokens: message.tokens });
    this.remaining -= cost;
    return true;
  }

  /**
   * What adding an older message costs: its own cost, or — when it merges with the oldest one
   * picked so far — its content, a separator and a margin instead of a second message overhead.
   */
  private marginalCost(message: StoredMessage): number {
    if (this.picked.at(-1)?.role !== message.role) return message.tokens;
    const content = Math.max(0, message.tokens - this.counter.messageOverhead(message.role));
    return content + this.separatorTokens + MERGE_MARGIN_TOKENS;
  }
}
