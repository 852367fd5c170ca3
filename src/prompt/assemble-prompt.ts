import type { StoredMessage } from '../history/history-store.ts';
import type { ChatMessage } from '../model/model-client.ts';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from '../model/token-counter.ts';
import { cachedCount } from './cached-count.ts';
import {
  MERGE_SEPARATOR,
  mergeSameRole,
  type PromptPart,
  recountRun,
  runToMessage,
} from './merge-same-role.ts';
import { isBlank, renderContent } from './render-message.ts';
import { truncateWithMarker } from './truncate.ts';

/** Opens the system message that carries the rolling summary. */
export const SUMMARY_PREFIX = 'Summary of the earlier conversation: ';

/**
 * Tokens reserved per merge on top of the separator. Merging saves a message's overhead (4 tokens)
 * and adds the separator (1), and where two texts meet BPE may shift a token or two; the merged
 * text is recounted anyway, so this only makes the rare re-fit below unnecessary.
 */
const MERGE_MARGIN_TOKENS = 2;
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
}

/** An assembled prompt. */
export interface AssembledPrompt {
  /** Messages to send: system, summary (if any), then the conversation with roles alternating. */
  messages: ChatMessage[];
  /** Exact prompt cost including reply priming; at most the budget unless `overBudget`. */
  promptTokens: number;
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
  let truncated = false;
  let blanks = 0;

  // System prompt and newest message: always sent, cut when they do not fit together.
  const systemText =
    input.persona !== undefined && input.persona.trim() !== '' ? input.persona : input.systemPrompt;
  const systemOverhead = counter.messageOverhead('system');
  const systemContentTokens = systemText.trim() === '' ? 0 : cachedCount(counter, systemText);
  const systemCost = systemContentTokens === 0 ? 0 : systemOverhead + systemContentTokens;

  let newestIndex = pending.length - 1;
  while (newestIndex >= 0 && isBlank(pending[newestIndex]!)) newestIndex--;
  blanks += pending.length - 1 - newestIndex;
  const newest = newestIndex >= 0 ? pending[newestIndex]! : undefined;
  const newestCost = newest?.tokens ?? 0;

  let systemAllowance = systemCost;
  if (systemCost + newestCost > available) {
    systemAllowance = Math.min(systemCost, Math.max(available - newestCost, Math.floor(available / 2)));
  }
  let system: { text: string; tokens: number } | undefined;
  if (systemCost > 0) {
    const cut = truncateWithMarker(
      counter,
      systemText,
      Math.max(1, systemAllowance - systemOverhead),
      'head',
      systemContentTokens,
    );
    truncated ||= cut.truncated;
    system = { text: cut.text, tokens: systemOverhead + cut.tokens };
  }
  let remaining = available - (system?.tokens ?? 0);

  // Newest first; reversed (oldest first) at the end.
  const picked: PromptPart[] = [];
  if (newest) {
    const overhead = counter.messageOverhead(newest.role);
    const cut = truncateWithMarker(
      counter,
      renderContent(newest),
      Math.max(1, remaining - overhead),
      'head-tail',
      newest.tokens - overhead,
    );
    truncated ||= cut.truncated;
    picked.push({ role: newest.role, text: cut.text, tokens: overhead + cut.tokens });
    remaining -= overhead + cut.tokens;
  }

  // What adding an older message costs: its own cost, or — when it merges with the oldest one
  // picked so far — its content, a separator and a margin instead of a second message overhead.
  const separatorTokens = cachedCount(counter, MERGE_SEPARATOR);
  const marginalCost = (message: StoredMessage): number => {
    if (picked.at(-1)?.role !== message.role) return message.tokens;
    const content = Math.max(0, message.tokens - counter.messageOverhead(message.role));
    return content + separatorTokens + MERGE_MARGIN_TOKENS;
  };
  /** Picks `message` if it fits; false when it does not (and nothing older may be picked). */
  const pick = (message: StoredMessage): boolean => {
    if (isBlank(message)) {
      blanks++;
      return true;
    }
    const cost = marginalCost(message);
    if (cost > remaining) return false;
    picked.push({ role: message.role, text: renderContent(message), tokens: message.tokens });
    remaining -= cost;
    return true;
  };

  let full = false;
  for (let index = newestIndex - 1; index >= 0 && !full; index--) full = !pick(pending[index]!);

  let summary: { text: string; tokens: number } | undefined;
  if (input.summary !== undefined && input.summary.trim() !== '') {
    const text = SUMMARY_PREFIX + input.summary;
    const contentTokens = cachedCount(counter, text);
    const contentAllowance = remaining - systemOverhead;
    if (systemOverhead + contentTokens <= remaining) {
      summary = { text, tokens: systemOverhead + contentTokens };
    } else if (contentAllowance >= MIN_SUMMARY_TOKENS) {
      const cut = truncateWithMarker(counter, text, contentAllowance, 'head-tail', contentTokens);
      summary = { text: cut.text, tokens: systemOverhead + cut.tokens };
    }
    truncated ||= summary === undefined || summary.text !== text;
    remaining -= summary?.tokens ?? 0;
  }

  const oldestConsidered =
    input.maxHistoryMessages === undefined ? 0 : Math.max(0, history.length - input.maxHistoryMessages);
  for (let index = history.length - 1; index >= oldestConsidered && !full; index--) {
    full = !pick(history[index]!);
  }

  // Merge same-role runs and recount them; in the rare case a merge cost more than its margin,
  // give up the oldest picked messages until the prompt fits (the newest message alone always does).
  picked.reverse();
  const runs = mergeSameRole(picked, counter);
  const fixedTokens = REPLY_PRIMING_TOKENS + (system?.tokens ?? 0) + (summary?.tokens ?? 0);
  const budget = available + REPLY_PRIMING_TOKENS;
  let promptTokens = fixedTokens + runs.reduce((sum, run) => sum + run.tokens, 0);
  while (promptTokens > budget && picked.length > 1) {
    const first = runs[0]!;
    first.parts.shift();
    picked.shift();
    promptTokens -= first.tokens;
    if (first.parts.length === 0) runs.shift();
    else {
      recountRun(first, counter);
      promptTokens += first.tokens;
    }
  }

  const messages: ChatMessage[] = [];
  if (system) messages.push({ role: 'system', content: system.text });
  if (summary) messages.push({ role: 'system', content: summary.text });
  for (const run of runs) messages.push(runToMessage(run));

  return {
    messages,
    promptTokens,
    droppedMessages: history.length + pending.length - picked.length - blanks,
    truncated,
    overBudget: promptTokens > budget,
  };
}
