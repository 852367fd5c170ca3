import type { HistoryStore, StoredMessage, UsageTotals } from '../history/history-store.ts';

/** Format tag of exported sessions; bumped on incompatible changes. */
export const EXPORT_FORMAT = 'parley.session.v1';

/** A session as `/export` and `parley export` write it, and `parley import` reads it. */
export interface SessionExport {
  /** Always `parley.session.v1`. */
  format: typeof EXPORT_FORMAT;
  /** The exported session's ID. */
  sessionId: string;
  /** When it was exported (ISO 8601). */
  exportedAt: string;
  /** Channel persona, if the session has one of its own. */
  persona: string | null;
  /** Rolling summary of the turns no longer in `messages`. */
  summary: string | null;
  /** Usage totals of the session. */
  usage: UsageTotals;
  /** The stored conversation, oldest first. */
  messages: StoredMessage[];
}

/** Reads a whole session out of the store. */
export async function exportSession(
  store: HistoryStore,
  sessionId: string,
  now = Date.now(),
): Promise<SessionExport> {
  const [meta, messages] = await Promise.all([store.getMeta(sessionId), store.load(sessionId)]);
  return {
    format: EXPORT_FORMAT,
    sessionId,
    exportedAt: new Date(now).toISOString(),
    persona: meta.persona ?? null,
    summary: meta.summary ?? null,
    usage: meta.usage,
    messages,
  };
}

/** Checks that `value` is a session export, naming the first thing wrong. */
export function parseSessionExport(value: unknown): SessionExport {
  const fail = (what: string): never => {
    throw new Error(`not a Parley session export: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('expected a JSON object');
  const data = value as Record<string, unknown>;
  if (data.format !== EXPORT_FORMAT) fail(`format must be "${EXPORT_FORMAT}"`);
  if (typeof data.sessionId !== 'string') fail('sessionId must be a string');
  if (!Array.isArray(data.messages)) fail('messages must be an array');
  for (const [index, message] of (data.messages as unknown[]).entries()) {
    const m = message as Record<string, unknown>;
    if (typeof m !== 'object' || m === null) fail(`messages[${index}] must be an object`);
    if (m.role !== 'user' && m.role !== 'assistant')
      fail(`messages[${index}].role must be user or assistant`);
    if (typeof m.content !== 'string') fail(`messages[${index}].content must be a string`);
    if (typeof m.at !== 'number' || typeof m.tokens !== 'number')
      fail(`messages[${index}] needs numeric at and tokens`);
  }
  for (const key of ['persona', 'summary'] as const) {
    if (data[key] !== null && data[key] !== undefined && typeof data[key] !== 'string')
      fail(`${key} must be a string`);
  }
  return data as unknown as SessionExport;
}
