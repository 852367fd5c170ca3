import type { Author } from './turn.ts';

/** One message of a session's stored conversation. */
export interface StoredMessage {
  /** `user` for people, `assistant` for the bot's replies. */
  role: 'user' | 'assistant';
  /** The text as written (for users: without any speaker prefix). */
  content: string;
  /** Who wrote it (users only; the bot's replies have none). */
  author?: Author;
  /** When it was written, ms since epoch. */
  at: number;
  /** Its cost in the prompt as rendered by prompt assembly, counted once when written (see token-counter.ts). */
  tokens: number;
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
  /** Rolling summary of turns no longer in the live history, if any. */
  summary?: string;
  /** Usage totals since the session began (survive `/reset`). */
  usage: UsageTotals;
  /** Last time a turn was committed, ms since epoch (0 if never). */
  lastActiveAt: number;
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
}

/** Options of `HistoryStore.load`. */
export interface LoadOptions {
  /** Return only the newest messages whose `tokens` add up to at most this. */
  maxTokens?: number;
  /** Return at most this many of the newest messages. */
  maxMessages?: number;
}

/** Where conversations live. Implementations: memory (embedded default) and Redis. */
export interface HistoryStore {
  /** Newest messages of a session, oldest first; reads only as far back as the limits need. */
  load(sessionId: string, options?: LoadOptions): Promise<StoredMessage[]>;
  /** Appends messages outside the turn flow (imports, thread backfill). */
  append(sessionId: string, messages: StoredMessage[]): Promise<void>;
  /** Replaces the whole history (summary compaction, import). */
  replace(sessionId: string, messages: StoredMessage[]): Promise<void>;
  /** Deletes the history and summary (not usage totals or persona). */
  clear(sessionId: string): Promise<void>;
  /** Number of stored messages. */
  count(sessionId: string): Promise<number>;
  /** Session meta; defaults (zero usage) for an unknown session. */
  getMeta(sessionId: string): Promise<SessionMeta>;
  /** Sets or (with `null`) removes the persona and/or summary. */
  setMeta(sessionId: string, patch: { persona?: string | null; summary?: string | null }): Promise<void>;
  /** Applies one turn's result atomically and at most once per `seq`; returns false if already applied. */
  commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean>;
  /** Highest committed turn seq of the session (0 if none). */
  committedSeq(sessionId: string): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Usage totals of a session that never spent anything. */
export function emptyUsage(): UsageTotals {
  return { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };
}
