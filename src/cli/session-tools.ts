import { exportSession, parseSessionExport, type SessionExport } from '../commands/session-export.ts';
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
async function exists(store: HistoryStore, sessionId: string): Promise<boolean> {
  if ((await store.count(sessionId)) > 0) return true;
  const meta = await store.getMeta(sessionId);
  return meta.summary !== undefined || meta.persona !== undefined;
}

/** Writes an export into `sessionId` (its messages, summary and persona); refuses to overwrite unless `force`. */
export async function importSession(
  store: HistoryStore,
  data: SessionExport,
  sessionId: string,
  options: { force?: boolean } = {},
): Promise<number> {
  checkSessionId(sessionId);
  if (!options.force && (await exists(store, sessionId))) {
    throw new SessionToolError(`${sessionId} already has a conversation; add --force to replace it`);
  }
  await store.replace(sessionId, data.messages);
  await store.setMeta(sessionId, { summary: data.summary, persona: data.persona, responseId: null });
  return data.messages.length;
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

/** Copies a conversation to a new session, so another path can be tried from the same state. */
export async function forkSession(
  store: HistoryStore,
  from: string,
  to: string,
  options: { force?: boolean } = {},
): Promise<number> {
  checkSessionId(from);
  if (!(await exists(store, from))) throw new SessionToolError(`${from} has no stored conversation`);
  return importSession(store, await exportSession(store, from), to, options);
}

/** One line per session: last activity, ID. */
export function formatListing(sessions: SessionListing[]): string {
  if (sessions.length === 0) return 'No stored sessions.';
  return sessions
    .map((session) => `${new Date(session.lastActiveAt).toISOString()}  ${session.sessionId}`)
    .join('\n');
}
