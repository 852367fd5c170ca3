import type { HistoryStore, SessionMeta } from '../history-store.ts';

/**
 * The session `meta` hash as the scripts write it: text fields `persona`, `tools`, `model`, `summary`, `responseId`,
 * `scopeId`, the mark `followed` (`'1'`, set by `follow`), and integer counters `committedSeq`,
 * `promptTokens`, `completionTokens`, `costMicroUsd`, `calls`, `historyTokens`, `lastActiveAt`.
 */

/** The meta field `follow` sets: the bot takes part in the conversation (kept by a reset, not by forget). */
export const FOLLOWED_FIELD = 'followed';

/** A stored integer field; absent or corrupt reads as 0 (the scripts refuse to build on corrupt ones). */
export function integerField(value: string | null | undefined): number {
  const parsed = value == null ? 0 : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** Session meta from the hash's fields (`HGETALL`); an empty hash gives the defaults. */
export function sessionMetaFromFields(fields: Record<string, string>): SessionMeta {
  const meta: SessionMeta = {
    usage: {
      promptTokens: integerField(fields.promptTokens),
      completionTokens: integerField(fields.completionTokens),
      costUsd: integerField(fields.costMicroUsd) / 1_000_000,
      calls: integerField(fields.calls),
    },
    lastActiveAt: integerField(fields.lastActiveAt),
    historyTokens: integerField(fields.historyTokens),
  };
  if (fields.persona !== undefined) meta.persona = fields.persona;
  if (fields.tools !== undefined) meta.tools = fields.tools;
  if (fields.model !== undefined) meta.model = fields.model;
  if (fields.summary !== undefined) meta.summary = fields.summary;
  if (fields.responseId !== undefined) meta.responseId = fields.responseId;
  return meta;
}

/** The fields a `setMeta` patch sets (`HSET`) and removes (`HDEL`, for `null`). */
export function metaPatchFields(patch: Parameters<HistoryStore['setMeta']>[1]): {
  set: Record<string, string>;
  remove: string[];
} {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const field of ['persona', 'summary', 'responseId', 'tools', 'model'] as const) {
    const value = patch[field];
    if (value === null) remove.push(field);
    else if (value !== undefined) set[field] = value;
  }
  return { set, remove };
}
