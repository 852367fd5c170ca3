import {
  decodeExportedImage,
  exportSession,
  parseSessionExport,
  type SessionExport,
} from '../commands/session-export.ts';
import type { HistoryStore, SessionListing } from '../history/history-store.ts';
import { parseSessionId } from '../turn/session-id.ts';

/** Raised for a CLI request that cannot be carried out; the message says why. */
export class SessionToolError extends Error {}

/** Checks a session ID given on the command line. */
export function checkSessionId(id: string): string {
  try {
    parseSessionId(id);
  } catch (error) {
    throw new SessionToolError(
      `${(error as Error).message}: use platform:part[:part…] with letters, digits, dot, dash, underscore`,
    );
  }
  return id;
}

/** Whether a session has anything stored. */
export async function exists(store: HistoryStore, sessionId: string): Promise<boolean> {
  if ((await store.count(sessionId)) > 0) return true;
  const meta = await store.getMeta(sessionId);
  return meta.summary !== undefined || meta.persona !== undefined;
}

/** What an import wrote. */
export interface ImportResult {
  /** Messages written. */
  messages: number;
  /** Embedded images kept (`putImage`). */
  images: number;
  /** Embedded images the store refused (larger than its `maxImageBytes`). */
  refusedImages: number;
}

/**
 * Writes an export into `sessionId` (its messages, summary, persona and embedded images); refuses to overwrite
 * unless `force`. Images go in after the messages, so a forced import over a session keeps them.
 */
export async function importSession(
  store: HistoryStore,
  data: SessionExport,
  sessionId: string,
  options: { force?: boolean; scopeId?: string } = {},
): Promise<ImportResult> {
  checkSessionId(sessionId);
  const scopeId = options.scopeId === undefined ? scopeOf(sessionId) : checkSessionId(options.scopeId);
  if (!options.force && (await exists(store, sessionId))) {
    throw new SessionToolError(`${sessionId} already has a conversation; add --force to replace it`);
  }
  // Listed by `parley sessions` and covered by its channel's `/forget` at once, not only after a turn.
  await store.replace(sessionId, data.messages, scopeId === undefined ? {} : { scopeId });
  await store.setMeta(sessionId, { summary: data.summary, persona: data.persona, responseId: null });
  const result: ImportResult = { messages: data.messages.length, images: 0, refusedImages: 0 };
  for (const [sha256, image] of Object.entries(data.images ?? {})) {
    const bytes = decodeExportedImage(image);
    if (await store.putImage(sessionId, { sha256, mimeType: image.mimeType, bytes })) result.images += 1;
    else result.refusedImages += 1;
  }
  return result;
}

/**
 * The channel a session belongs to, where its ID says: a Slack thread `slack:T:C:<ts>` is in `slack:T:C`.
 * A Discord thread's ID does not name its channel (`--scope` does); other sessions are their own scope.
 */
export function scopeOf(sessionId: string): string | undefined {
  const [platform, team, channel, thread, ...rest] = sessionId.split(':');
  if (platform !== 'slack' || rest.length > 0 || !thread || !/^\d+\.\d+$/.test(thread)) return undefined;
  return `slack:${team}:${channel}`;
}

/** Parses an export file's text. */
export function readExport(text: string): SessionExport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SessionToolError(`not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseSessionExport(value);
  } catch (error) {
    throw new SessionToolError((error as Error).message);
  }
}

/** Copies a conversation, images included, to a new session, so another path can be tried from the same state. */
export async function forkSession(
  store: HistoryStore,
  from: string,
  to: string,
  options: { force?: boolean; scopeId?: string } = {},
): Promise<ImportResult> {
  await requireSession(store, from);
  return importSession(
    store,
    await exportSession(store, from, Date.now(), { withImages: true }),
    to,
    options,
  );
}

/** One line per session: last activity, ID. */
export function formatListing(sessions: SessionListing[]): string {
  if (sessions.length === 0) return 'No stored sessions.';
  return sessions
    .map((session) => `${new Date(session.lastActiveAt).toISOString()}  ${session.sessionId}`)
    .join('\n');
}

/** Edit distance between two strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to three stored session IDs closest to `id`, closest first. */
export function closestSessions(id: string, stored: readonly string[]): string[] {
  return stored
    .map((candidate) => ({ candidate, distance: editDistance(id, candidate) }))
    .filter(({ distance }) => distance <= Math.max(3, Math.floor(id.length / 2)))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

/** Checks that `id` names a stored conversation; otherwise says so, with the closest stored names. */
export async function requireSession(store: HistoryStore, id: string): Promise<string> {
  checkSessionId(id);
  if (await exists(store, id)) return id;
  const stored = (await store.listSessions({ limit: 10_000 })).map((session) => session.sessionId);
  const closest = closestSessions(id, stored);
  const hint =
    closest.length > 0 ? `; did you mean ${closest.join(', ')}?` : '; `parley sessions` lists them';
  throw new SessionToolError(`there is no stored conversation ${id}${hint}`);
}
