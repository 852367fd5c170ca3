/**
 * Prompt assembly: what is sent to the model for a turn. `assemblePrompt` promises a prompt within
 * the context budget (unless even the minimum does not fit, then flagged `overBudget`), built in a
 * fixed priority order, with same-role neighbours merged so roles alternate, and exact token counts
 * in the model's encoding without re-encoding the stored history. Users' attachments travel with their
 * messages: text files as fenced blocks after the text, images as refs (`imageRefs`) the caller fills with
 * bytes (`attach-prompt-images.ts`), their tokens counted in the budget; images that do not fit are dropped
 * oldest first, their messages kept. Beside it: `conversation-picker.ts` (which history fits),
 * `merge-same-role.ts`, `render-message.ts` (how a stored message reads), `prompt-attachments.ts` (how its
 * files read), `truncate.ts` (cutting with a visible marker) and `cached-count.ts`.
 */

import type { ImageDetail } from '../attachments/attachment.ts';
import type { StoredMessage } from '../history/history-store.ts';
import type { ChatMessage } from '../model/model-client.ts';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from '../model/token-counter.ts';
import type { PromptImageRef } from './attach-prompt-images.ts';
import { cachedCount } from './cached-count.ts';
import { ConversationPicker } from './conversation-picker.ts';
import {
  type MergedRun,
  mergeSameRole,
  type PromptPart,
  recountRun,
  runImages,
  runToMessage,
} from './merge-same-role.ts';
import { imageTokensOf, sendDetail } from './prompt-attachments.ts';
import { isBlank } from './render-message.ts';
import { keepToolUnitsWhole } from './tool-units.ts';
import { truncateWithMarker } from './truncate.ts';

/** Opens the system message that carries the rolling summary. */
export const SUMMARY_PREFIX = 'Summary of the earlier conversation: ';

/** A summary cut to fewer content tokens than this is left out instead. */
const MIN_SUMMARY_TOKENS = 32;

/** What a prompt is assembled from. */
export interface AssemblePromptInput {
  /** The default system prompt. */
  systemPrompt: string;
  /** Channel persona; when set (not blank) it replaces the system prompt. */
  persona?: string;
  /** Rolling summary of turns no longer in the history, sent as a second system message. */
  summary?: string;
  /** Stored history, oldest first (already limited by the store). */
  history: readonly StoredMessage[];
  /** The new turn(s), oldest first; the newest (last) is always sent, cut if it must be. */
  pending: readonly StoredMessage[];
  /** Budget of the whole request: prompt plus reply. */
  maxContextTokens: number;
  /** Tokens reserved for the reply. */
  maxReplyTokens: number;
  /** Consider at most this many of the newest history messages. */
  maxHistoryMessages?: number;
  /** Counter of the model's encoding (the one the stored `tokens` were counted with). */
  counter: TokenCounter;
  /** Whether the model is given images (`VISION`); when false every image is named as omitted. Default true. */
  sendImages?: boolean;
  /** The configured `IMAGE_DETAIL`, sent with every image but those counted at `low`. Default `auto`. */
  imageDetail?: ImageDetail;
}

/** An assembled prompt. */
export interface AssembledPrompt {
  /** Messages to send: system, summary (if any), then the conversation with roles alternating; no `images` yet. */
  messages: ChatMessage[];
  /** The images the messages send, in order: load them and fill `images` with `attachPromptImages`. */
  imageRefs: PromptImageRef[];
  /** Exact prompt cost including reply priming and the images of `imageRefs`; at most the budget unless `overBudget`. */
  promptTokens: number;
  /** Images of sent messages left out for lack of room (or, with `sendImages: false`, all of them). */
  droppedImages: number;
  /** History and pending messages left out for lack of room or beyond `maxHistoryMessages` (skipped blank ones aside). */
  droppedMessages: number;
  /** Whether text was cut (system prompt, summary or newest message) or the summary left out. */
  truncated: boolean;
  /** The budget cannot even hold a minimal system prompt and newest message; sent anyway, trimmed to the bone. */
  overBudget: boolean;
}

/**
 * Builds the prompt within `maxContextTokens − maxReplyTokens`, in priority order: system prompt,
 * newest pending message, older pending messages, summary, then history from the newest back.
 * Uses the stored messages' cached `tokens` and stops at the first message that no longer fits, so
 * a turn encodes only the system prompt and summary (cached by text), separators, merged runs and
 * cut texts — never the older history. When the system prompt and newest message do not fit
 * together, each is cut, the system prompt to no less than half the budget.
 */
export function assemblePrompt(input: AssemblePromptInput): AssembledPrompt {
  const { counter, history, pending } = input;
  const available = input.maxContextTokens - input.maxReplyTokens - REPLY_PRIMING_TOKENS;

  // System prompt and newest message: always sent, cut when they do not fit together.
  const newestIndex = lastNonBlankIndex(pending);
  const newest = newestIndex >= 0 ? pending[newestIndex]! : undefined;
  // The system prompt is not cut to make room for images, only for text.
  const newestTextCost = newest ? newest.tokens - imageTokensOf(newest) : 0;
  const system = fitSystemPrompt(input, available, newestTextCost);
  const picker = new ConversationPicker(
    counter,
    available - (system.message?.tokens ?? 0),
    input.sendImages ?? true,
  );
  picker.blanks += pending.length - 1 - newestIndex;
  const newestCut = newest ? picker.pickNewest(newest) : false;

  // Then older pending messages, the summary, and history from the newest back.
  picker.pickOlder(pending, newestIndex - 1, 0);
  const summary = fitSummary(counter, input.summary, picker.remaining);
  picker.remaining -= summary.message?.tokens ?? 0;
  const oldestConsidered =
    input.maxHistoryMessages === undefined ? 0 : Math.max(0, history.length - input.maxHistoryMessages);
  picker.pickOlder(history, history.length - 1, oldestConsidered);

  const fixedTokens = REPLY_PRIMING_TOKENS + (system.message?.tokens ?? 0) + (summary.message?.tokens ?? 0);
  const budget = available + REPLY_PRIMING_TOKENS;
  // Trimming may have cut a tool exchange in two; what is left of it goes too.
  const whole = keepToolUnitsWhole(picker.picked.toReversed());
  const conversation = mergeWithinBudget(whole, counter, fixedTokens, budget);

  const messages: ChatMessage[] = [];
  const imageRefs: PromptImageRef[] = [];
  if (system.message) messages.push({ role: 'system', content: system.message.text });
  if (summary.message) messages.push({ role: 'system', content: summary.message.text });
  for (const run of conversation.runs) {
    for (const image of runImages(run)) {
      const { sha256, name, tokens } = image;
      const detail = sendDetail(image, input.imageDetail ?? 'auto');
      imageRefs.push({ messageIndex: messages.length, sha256, name, detail, tokens });
    }
    messages.push(runToMessage(run));
  }

  return {
    messages,
    imageRefs,
    promptTokens: conversation.promptTokens,
    droppedImages: picker.droppedImages,
    droppedMessages: history.length + pending.length - conversation.kept - picker.blanks,
    truncated: system.truncated || newestCut || summary.truncated,
    overBudget: conversation.promptTokens > budget,
  };
}

/** A system message fitted to its allowance: cut, whole, or left out. */
interface FittedSystemMessage {
  /** The message's text and exact cost (overhead included); `undefined` when it is not sent. */
  message: { text: string; tokens: number } | undefined;
  /** Whether its text was cut or the message left out for lack of room. */
  truncated: boolean;
}

/** Index of the newest pending message that is not blank, or -1. */
function lastNonBlankIndex(pending: readonly StoredMessage[]): number {
  let index = pending.length - 1;
  while (index >= 0 && isBlank(pending[index]!)) index--;
  return index;
}

/**
 * The persona (or the default system prompt), cut to leave room for the newest message; when the
 * two do not fit together it still keeps no less than half the budget. Blank, it is not sent.
 */
function fitSystemPrompt(
  input: AssemblePromptInput,
  available: number,
  newestCost: number,
): FittedSystemMessage {
  const { counter } = input;
  const text =
    input.persona !== undefined && input.persona.trim() !== '' ? input.persona : input.systemPrompt;
  const overhead = counter.messageOverhead('system');
  const contentTokens = text.trim() === '' ? 0 : cachedCount(counter, text);
  if (contentTokens === 0) return { message: undefined, truncated: false };
  const cost = overhead + contentTokens;
  const allowance =
    cost + newestCost > available
      ? Math.min(cost, Math.max(available - newestCost, Math.floor(available / 2)))
      : cost;
  const cut = truncateWithMarker(counter, text, Math.max(1, allowance - overhead), 'head', contentTokens);
  return { message: { text: cut.text, tokens: overhead + cut.tokens }, truncated: cut.truncated };
}

/** The summary message within `remaining` tokens: whole, cut, or left out when too little of it would remain. */
function fitSummary(
  counter: TokenCounter,
  summary: string | undefined,
  remaining: number,
): FittedSystemMessage {
  if (summary === undefined || summary.trim() === '') return { message: undefined, truncated: false };
  const text = SUMMARY_PREFIX + summary;
  const overhead = counter.messageOverhead('system');
  const contentTokens = cachedCount(counter, text);
  const contentAllowance = remaining - overhead;
  let message: FittedSystemMessage['message'];
  if (overhead + contentTokens <= remaining) {
    message = { text, tokens: overhead + contentTokens };
  } else if (contentAllowance >= MIN_SUMMARY_TOKENS) {
    const cut = truncateWithMarker(counter, text, contentAllowance, 'head-tail', contentTokens);
    message = { text: cut.text, tokens: overhead + cut.tokens };
  }
  return { message, truncated: message === undefined || message.text !== text };
}

/**
 * Merges same-role runs of `picked` (oldest first) and recounts them; in the rare case a merge cost
 * more than its margin, gives up the oldest parts until the prompt fits (the newest message alone
 * always does). `kept` is how many parts remain.
 */
function mergeWithinBudget(
  picked: readonly PromptPart[],
  counter: TokenCounter,
  fixedTokens: number,
  budget: number,
): { runs: MergedRun[]; kept: number; promptTokens: number } {
  const runs = mergeSameRole(picked, counter);
  let kept = picked.length;
  let promptTokens = fixedTokens + runs.reduce((sum, run) => sum + run.tokens, 0);
  // A leading tool result has lost its call: it goes with it.
  while ((promptTokens > budget && kept > 1) || runs[0]?.role === 'tool') {
    const first = runs[0]!;
    first.parts.shift();
    kept--;
    promptTokens -= first.tokens;
    if (first.parts.length === 0) runs.shift();
    else {
      recountRun(first, counter);
      promptTokens += first.tokens;
    }
  }
  return { runs, kept, promptTokens };
}
