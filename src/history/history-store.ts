/**
 * The history seam: where each session's conversation and meta (persona, summary, usage totals) live.
 * Every implementation passes test/contract/history-store.contract.ts, which holds it to these promises:
 * `commitTurn` applies a processed turn atomically and at most once per seq, so a re-run turn commits once;
 * `load` returns the newest messages within a token or message budget without reading the whole history;
 * `compact` swaps the oldest messages for a summary only if they are still the ones summarized; bad
 * arguments are rejected before anything changes; with retention an idle session disappears entirely, while a
 * channel-level session lives as long as any conversation committed under it (its persona with it); and
 * `forgetScope` marks a scope forgotten before deleting it, so a turn received before the mark leaves nothing
 * behind even when it commits afterwards (the queues drop such turns unrun, see `scopeForgottenBefore`).
 * Follow-ups (history-store-amend.contract.ts): `amendMessage` edits or deletes one message by its platform
 * `ref` in one atomic step, keeping `historyTokens` exact; a commit's `dropLast` replaces the latest exchange in
 * the same step as the rest of the commit; the `follow` mark survives a reset but not `forget`. Positions and
 * `dropLast` count messages as `load` returns them (an unreadable entry in Redis is skipped, as `load` skips it).
 *
 * Beside it: `memory-history-store.ts` (the embedded default, built from the `memory-*` modules),
 * `redis/redis-history-store.ts` (Redis and Redis Cluster; its Lua scripts are the `.lua` files there),
 * `history-arguments.ts` (the checks both share) and `summarize.ts` (rolling summaries over any store).
 */
import type { PostedMessage } from '../turn/reply-channel.ts';
import type { Author } from '../turn/turn.ts';

/**
 * One message of a session's stored conversation. A tool exchange is stored as messages too: an `assistant`
 * message with `toolCalls`, then one `tool` message per call (its result), then the answer; prompt assembly
 * and `load` keep a result only together with its call.
 */
export interface StoredMessage {
  /** `user` for people, `assistant` for the bot's replies, `tool` for a tool's result. */
  role: 'user' | 'assistant' | 'tool';
  /** The text as written (for users: without any speaker prefix). */
  content: string;
  /** Who wrote it (users only; the bot's replies have none). */
  author?: Author;
  /** When it was written, ms since epoch. */
  at: number;
  /** Its cost in the prompt as rendered by prompt assembly, counted once when written (see token-counter.ts). */
  tokens: number;
  /**
   * The encoding `tokens` was counted in, when it was not the deployment's default model's: after a `model`
   * switch to another encoding the count is redone rather than reused.
   */
  encoding?: string;
  /** Users' messages: the platform's id of the message (`Turn.messageRef`), so edits and deletes find it. */
  ref?: string;
  /** The bot's replies: the platform messages showing it, so an edit re-answers in place and a delete removes them. */
  replies?: PostedMessage[];
  /**
   * Files that came with a user's message. Text files keep their extracted (capped) text here and reach every
   * later prompt with the message; images keep their hash (bytes via `HistoryStore.loadImages`). `tokens` of the
   * message includes them.
   */
  attachments?: StoredAttachment[];
  /** Assistant messages: the tools the model called (its text may then be empty). */
  toolCalls?: StoredToolCall[];
  /** Tool messages: the id of the call this is the result of. */
  toolCallId?: string;
  /** Tool messages: the tool that produced it, as `server.tool` (for summaries and exports). */
  toolName?: string;
}

/** A tool call as remembered. */
export interface StoredToolCall {
  /** The call's id, echoed by its result. */
  id: string;
  /** The tool's name as the model called it. */
  name: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
}

/** What is remembered of one attached file. */
export interface StoredAttachment {
  /** File name as shown. */
  name: string;
  /** `image` (sent to the model), `text` (text files and PDFs, put into the prompt) or `skipped` (not usable). */
  kind: 'image' | 'text' | 'skipped';
  /** Detected type. */
  mimeType?: string;
  /** Size in bytes. */
  sizeBytes?: number;
  /** Images: content hash (sha256, hex) of the bytes kept by `putImage`. */
  sha256?: string;
  /** Images: pixel size. */
  width?: number;
  height?: number;
  /** Tokens this file adds to its message in the prompt (image formula, or the fenced block). */
  tokens?: number;
  /** Text files: the fenced block as put into the prompt (already capped, truncation marked). */
  text?: string;
  /** Text files: whether the text was cut at `MAX_FILE_TOKENS`. */
  truncated?: boolean;
  /** Skipped files: why (`SkipReason` of the attachments seam). */
  reason?: string;
}

/** An image kept once per conversation for later prompts. */
export interface StoredImage {
  /** sha256 of `bytes`, hex. */
  sha256: string;
  /** Detected type. */
  mimeType: string;
  /** The bytes. */
  bytes: Uint8Array;
}

/** Tokens and money spent, as added up per session. */
export interface UsageTotals {
  /** Prompt (input) tokens. */
  promptTokens: number;
  /** Completion (output) tokens. */
  completionTokens: number;
  /** Cost in USD; 0 when the model's price is unknown. */
  costUsd: number;
  /** Model calls made. */
  calls: number;
  /** Of the calls, those to a model without a known price (their cost is not in `costUsd`); absent when none. */
  unpricedCalls?: number;
}

/** One reply's usage, added to the totals. */
export interface UsageDelta {
  /** Prompt (input) tokens. */
  promptTokens: number;
  /** Completion (output) tokens. */
  completionTokens: number;
  /** Cost in USD, `null` when the model's price is unknown. */
  costUsd: number | null;
}

/** Per-session facts kept beside the history. */
export interface SessionMeta {
  /** Channel persona (system prompt override), if set. */
  persona?: string;
  /** Channel tool switches (`tools on|off`), as `tool-policy.ts` writes them, if any. */
  tools?: string;
  /** The catalogue entry (`model <name>`) this conversation uses, if one was picked here. */
  model?: string;
  /** Rolling summary of turns no longer in the live history, if any. */
  summary?: string;
  /** Usage totals since the session began (survive `/reset`). */
  usage: UsageTotals;
  /** Last time a turn was committed, ms since epoch (0 if never). */
  lastActiveAt: number;
  /** Sum of the stored messages' `tokens` (drives rolling summaries without reading the history). */
  historyTokens: number;
  /** Responses API mode: the response the next turn continues, if any. */
  responseId?: string;
}

/** What one processed turn writes, atomically. */
export interface TurnCommit {
  /** The turn's sequence number in its session; a commit with a seq not above the last committed one is ignored. */
  seq: number;
  /** Clear history and summary first (the `/reset` turn). */
  clear?: boolean;
  /** Messages to append (the user's message, and the reply when there is one). */
  messages: StoredMessage[];
  /** Usage of the model call, when one was made. */
  usage?: UsageDelta;
  /** Drop everything stored for the session first — history, summary, persona, usage — except `committedSeq`. */
  forget?: boolean;
  /** Channel-level session this one belongs to (indexed for `sessionsInScope`; renewed with it under retention). */
  scopeId?: string;
  /** Responses API mode: the response to continue next (`null` drops it). */
  responseId?: string | null;
  /**
   * When the turn was received (`Turn.receivedAt`). If its scope (`scopeId`, else the session) was forgotten
   * after that, the commit leaves nothing of the session but its seq and resolves false.
   */
  receivedAt?: number;
  /**
   * Remove the newest this-many stored messages before appending `messages`, in the same atomic step: an edited
   * question that is still the conversation's latest exchange is answered again in its place.
   */
  dropLast?: number;
}

/** What a summary compaction replaces, checked atomically against what is stored. */
export interface Compaction {
  /** How many of the oldest messages the summary covers (they are dropped). */
  dropCount: number;
  /** The last of them as it was read: the compaction is refused if the stored one differs. */
  lastDropped: StoredMessage;
  /** Sum of their `tokens`. */
  droppedTokens: number;
  /** The new summary (covering the old summary and the dropped messages). */
  summary: string;
  /** Usage of the summarizing model call. */
  usage?: UsageDelta;
}

/** A stored session, as listed. */
export interface SessionListing {
  /** Session ID. */
  sessionId: string;
  /** Last committed turn, ms since epoch. */
  lastActiveAt: number;
}

/** Options of `HistoryStore.load`. */
export interface LoadOptions {
  /** Return only the newest messages whose `tokens` add up to at most this. */
  maxTokens?: number;
  /** Return at most this many of the newest messages. */
  maxMessages?: number;
}

/** Where conversations live (see the top of this file). */
export interface HistoryStore {
  /** Newest messages of a session, oldest first; reads only as far back as the limits need. */
  load(sessionId: string, options?: LoadOptions): Promise<StoredMessage[]>;
  /** Appends messages outside the turn flow (imports, thread backfill). */
  append(sessionId: string, messages: StoredMessage[]): Promise<void>;
  /**
   * Replaces the whole history (import, fork) and lists the session as active now, as a commit does: under
   * `scopeId` when given (so the channel's `/forget` covers it), else under the scope it was stored under.
   */
  replace(sessionId: string, messages: StoredMessage[], options?: { scopeId?: string }): Promise<void>;
  /** Deletes the history and summary (not usage totals or persona). */
  clear(sessionId: string): Promise<void>;
  /** Number of stored messages. */
  count(sessionId: string): Promise<number>;
  /** Session meta; defaults (zero usage) for an unknown session. */
  getMeta(sessionId: string): Promise<SessionMeta>;
  /** Sets or (with `null`) removes the persona, summary and/or response id. */
  setMeta(
    sessionId: string,
    patch: {
      persona?: string | null;
      summary?: string | null;
      responseId?: string | null;
      tools?: string | null;
      model?: string | null;
    },
  ): Promise<void>;
  /** The `count` oldest messages, oldest first (input of a rolling summary). */
  loadOldest(sessionId: string, count: number): Promise<StoredMessage[]>;
  /** Replaces the oldest messages by a summary, atomically; false (and nothing changed) if they changed meanwhile. */
  compact(sessionId: string, compaction: Compaction): Promise<boolean>;
  /** Deletes everything stored for the session (history, meta, index entries) except its committed seq. */
  forget(sessionId: string): Promise<void>;
  /** Stored sessions, most recently active first; sessions idle past the retention period are not listed. */
  listSessions(options?: { limit?: number }): Promise<SessionListing[]>;
  /** The sessions committed with this `scopeId` (a channel's threads), plus the scope's own session if stored. */
  sessionsInScope(scopeId: string): Promise<string[]>;
  /**
   * `/forget` of a channel: first marks the scope forgotten `before` (the forget turn's `receivedAt`; the mark
   * never moves back), then forgets the scope's own session and every session committed under it. Safe to run
   * again after an interruption. Resolves the sessions that held anything, the scope's own first.
   */
  forgetScope(scopeId: string, options: { before: number }): Promise<string[]>;
  /** The scope's forget mark: turns of the scope received before it are not to be run (0 if none). */
  scopeForgottenBefore(scopeId: string): Promise<number>;
  /**
   * Applies one turn's result atomically and at most once per `seq`; resolves false if already applied, or if
   * the turn was received before its scope was forgotten (then nothing of it is kept).
   */
  commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean>;
  /** Highest committed turn seq of the session (0 if none). */
  committedSeq(sessionId: string): Promise<number>;
  /**
   * Marks the conversation as one the bot takes part in (a thread it was mentioned in, or answered): later
   * messages there are follow-ups. The mark lives in the session's meta and expires with it.
   */
  follow(sessionId: string): Promise<void>;
  /** Whether the bot takes part in the conversation: marked by `follow`, or it has committed turns. */
  isFollowed(sessionId: string): Promise<boolean>;
  /**
   * Replaces (`replacement`) or removes (`null`) the stored message whose `ref` is `ref`, looking among the newest
   * `searchLimit` messages (default 500), and adjusts the history's token count. Resolves its position from the
   * end before the change (0 = the newest message), or -1 when no such message is stored.
   */
  amendMessage(
    sessionId: string,
    ref: string,
    replacement: StoredMessage | null,
    options?: { searchLimit?: number },
  ): Promise<number>;
  /**
   * Keeps an image for this conversation (once per content hash; refused above the store's `maxImageBytes`),
   * expiring with it. Resolves false when it was refused.
   */
  putImage(sessionId: string, image: StoredImage): Promise<boolean>;
  /** The images of this conversation with these hashes; missing ones (expired, refused) are left out. */
  loadImages(sessionId: string, sha256s: readonly string[]): Promise<Map<string, StoredImage>>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Usage totals of a session that never spent anything. */
export function emptyUsage(): UsageTotals {
  return { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };
}
