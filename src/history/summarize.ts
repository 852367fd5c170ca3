import type { Logger } from '../app/logger.ts';
import type { ModelClient } from '../model/model-client.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import { renderContent } from '../prompt/render-message.ts';
import type { HistoryStore, StoredMessage, UsageDelta } from './history-store.ts';

/** Options of one rolling-summary pass. */
export interface SummarizeOptions {
  /** Where the session lives. */
  store: HistoryStore;
  /** The model that writes the summary. */
  model: ModelClient;
  /** Counter of the model's encoding. */
  counter: TokenCounter;
  /** Tokens the history may use in a prompt (context budget minus reply, system prompt and summary aside). */
  historyBudget: number;
  /** The model's whole budget (prompt plus reply), which the summarizing call must fit too. */
  maxContextTokens: number;
  /** Reply tokens configured for normal turns; the summary asks for at most this many. */
  maxReplyTokens: number;
  /** Share of `historyBudget` above which a summary is made (e.g. 0.7). */
  threshold: number;
  /** Logger carrying the session. */
  logger: Logger;
}

/** Messages always left live after a summary: the latest exchange. */
const KEEP_NEWEST = 2;
/** Oldest messages read per page while choosing what to summarize. */
const PAGE = 100;
/** Reply cap of the summarizing call. */
const SUMMARY_MAX_TOKENS = 600;
/** Message framing and labels of the summarizing prompt. */
const PROMPT_SLACK_TOKENS = 40;

export const SUMMARY_INSTRUCTIONS =
  'You maintain the running summary of a chat conversation between people and an assistant. ' +
  'Merge the existing summary with the new messages into one updated summary of at most 250 words. ' +
  'Keep names (who said what), facts, preferences, decisions and open questions; drop small talk. Write only the summary.';

/**
 * When a session's stored history passes `threshold` of the history budget, summarizes its oldest messages
 * into the session summary and drops them, keeping about half the threshold live. The compaction is atomic
 * and refused if the history changed meanwhile; a failed summary changes nothing. Returns the summarizing
 * call's usage when a summary was made.
 */
export async function summarizeIfNeeded(
  sessionId: string,
  historyTokens: number,
  options: SummarizeOptions,
): Promise<UsageDelta | undefined> {
  const limit = options.historyBudget * options.threshold;
  if (historyTokens <= limit) return undefined;
  const { store, counter, logger } = options;
  const meta = await store.getMeta(sessionId);
  const replyCap = Math.min(SUMMARY_MAX_TOKENS, options.maxReplyTokens);
  // What the summarizing call may spend on the transcript: its own budget minus instructions, old summary, reply.
  const room =
    options.maxContextTokens -
    replyCap -
    counter.count(SUMMARY_INSTRUCTIONS) -
    counter.count(meta.summary ?? '') -
    PROMPT_SLACK_TOKENS;

  // Choose the oldest messages to fold in: enough to bring the live history down to half the threshold,
  // as long as their transcript fits the summarizing call.
  const mustDrop = historyTokens - limit / 2;
  const total = await store.count(sessionId);
  const dropLimit = total - KEEP_NEWEST;
  if (dropLimit <= 0) return undefined;
  const { dropped, droppedTokens } = await chooseOldest(store, sessionId, { mustDrop, dropLimit, room });
  const lastDropped = dropped.at(-1);
  if (!lastDropped) return undefined;
  const input = summaryInput(meta.summary, dropped, counter, room);

  let summary: string;
  let usage: UsageDelta;
  try {
    const result = await options.model.complete({
      messages: [
        { role: 'system', content: SUMMARY_INSTRUCTIONS },
        { role: 'user', content: input },
      ],
      maxTokens: replyCap,
    });
    summary = result.text.trim();
    usage = { ...result.usage, costUsd: result.costUsd };
  } catch (error) {
    logger.warn({ err: error }, 'summary failed; the history is kept as it is');
    return undefined;
  }
  if (summary.length === 0) return undefined;

  const applied = await store.compact(sessionId, {
    dropCount: dropped.length,
    lastDropped,
    droppedTokens,
    summary,
    usage,
  });
  logger.info({ applied, summarizedMessages: dropped.length, droppedTokens }, 'rolling summary');
  return applied ? usage : undefined;
}

/**
 * The oldest messages to fold in: enough to bring the live history down by `mustDrop` tokens, at most
 * `dropLimit` of them, as long as their transcript fits `room` (the first is always taken).
 */
async function chooseOldest(
  store: HistoryStore,
  sessionId: string,
  { mustDrop, dropLimit, room }: { mustDrop: number; dropLimit: number; room: number },
): Promise<{ dropped: StoredMessage[]; droppedTokens: number }> {
  const dropped: StoredMessage[] = [];
  let droppedTokens = 0;
  while (droppedTokens < mustDrop && dropped.length < dropLimit) {
    const page = await store.loadOldest(sessionId, Math.min(dropLimit, dropped.length + PAGE));
    const fresh = page.slice(dropped.length);
    if (fresh.length === 0) break;
    for (const message of fresh) {
      // The results of a call already folded in go with it: left behind, they would answer nothing.
      const endsUnit = message.role === 'tool' && dropped.length > 0;
      if (dropped.length >= dropLimit) break;
      if (!endsUnit && droppedTokens >= mustDrop) break;
      if (!endsUnit && dropped.length > 0 && droppedTokens + message.tokens > room) break;
      dropped.push(message);
      droppedTokens += message.tokens;
    }
  }
  return { dropped, droppedTokens };
}

/** Most tokens of one text file shown to the summarizer: enough for its gist, not enough to crowd out the talk. */
const FILE_EXCERPT_TOKENS = 300;

/** A message as the summarizer reads it: who said what, then the files that came with it (text files' start). */
function transcriptEntry(message: StoredMessage, counter: TokenCounter): string {
  // The files are summarized from their names and a short excerpt, not from the whole blocks a prompt sends.
  if (message.role === 'tool') {
    const result = counter.truncate(message.content, FILE_EXCERPT_TOKENS, 'start');
    return `[result of ${message.toolName ?? 'a tool'}]\n${result}`;
  }
  const calls = (message.toolCalls ?? []).map((call) => `[assistant called ${call.name}(${call.arguments})]`);
  const said =
    message.role === 'assistant'
      ? [message.content ? `Assistant: ${message.content}` : '', ...calls].filter(Boolean).join('\n')
      : renderContent({ ...message, attachments: undefined });
  const files = (message.attachments ?? []).map((file) => {
    if (file.kind === 'image') return `[attached image: ${file.name}]`;
    if (file.kind === 'skipped' || file.text === undefined) return `[attached file, not read: ${file.name}]`;
    return `[attached file: ${file.name}]\n${counter.truncate(file.text, FILE_EXCERPT_TOKENS, 'start')}`;
  });
  return [said, ...files].join('\n');
}

/** The user message of the summarizing call: the old summary and the transcript of the dropped messages. */
function summaryInput(
  previousSummary: string | undefined,
  dropped: readonly StoredMessage[],
  counter: TokenCounter,
  room: number,
): string {
  // Only a single message larger than the room can still overflow it: cut it, keeping its start.
  const transcript = dropped.map((message) => transcriptEntry(message, counter)).join('\n');
  return [
    previousSummary ? `Existing summary:\n${previousSummary}` : 'There is no summary yet.',
    `New messages:\n${counter.truncate(transcript, Math.max(64, room), 'start')}`,
  ].join('\n\n');
}
