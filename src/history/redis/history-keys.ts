/**
 * Redis key layout of the history store. A session's keys share the hash tag `{s:<sessionId>}` (see
 * `sessionKeyBase`) so the store's scripts work on Redis Cluster. The session index lives under its own tag
 * `{idx}` and is written with its own commands after a session script, never inside one (Cluster refuses
 * scripts that span slots).
 */
import { sessionKeyBase } from '../../turn/session-id.ts';

/** Keys of one session's conversation. */
export interface HistoryKeys {
  /** List of JSON `StoredMessage`, oldest first. */
  history: string;
  /** Hash: persona, summary, usage totals, lastActiveAt, committed seq. */
  meta: string;
  /**
   * String, when the session is a scope that was forgotten (`forgetScope`): turns of the scope received before
   * this time (ms since epoch) leave nothing. Expires with retention; renewed by commits under the scope.
   */
  forgotten: string;
  /** Set of the image keys (`image(sha256)`) the session holds, so forget and reset delete them in one script. */
  images: string;
  /**
   * Hash per kept image (`putImage`), fields `mimeType` (text) and `bytes` (the raw bytes, binary-safe). Written
   * once per content hash (HSETNX); expires with retention, renewed by `putImage` and commits.
   */
  image(sha256: string): string;
}

/** History keys of one session under `prefix` (default `parley`). */
export function historyKeys(prefix: string, sessionId: string): HistoryKeys {
  const base = sessionKeyBase(prefix, sessionId);
  return {
    history: `${base}:history`,
    meta: `${base}:meta`,
    forgotten: `${base}:forgotten`,
    images: `${base}:images`,
    image: (sha256: string) => `${base}:image:${sha256}`,
  };
}

/** Keys of the session index (for listing, retention and `/forget` of a channel). */
export interface HistoryIndexKeys {
  /** Sorted set: session ID scored by its last committed turn (ms since epoch). */
  sessions: string;
  /** Set: the sessions committed with this scope ID (a channel's threads). */
  scope(scopeId: string): string;
}

/** Index keys under `prefix` (default `parley`). */
export function historyIndexKeys(prefix: string): HistoryIndexKeys {
  const base = `${prefix}:{idx}`;
  return {
    sessions: `${base}:sessions`,
    scope: (scopeId: string) => `${base}:scope:${scopeId}`,
  };
}
