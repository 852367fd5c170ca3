import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { UsageCounters } from '../../usage/usage-counters.ts';

/**
 * The session scripts, one `.lua` file each beside this module (key layout and ARGV at the top of each).
 * They are read once, at module load, and defined per connection with ioredis `defineCommand` (EVALSHA,
 * falling back to EVAL once per connection when the server does not know a script yet, e.g. after a
 * restart).
 */

/** One session script, as sent to Redis. */
export interface HistoryScriptDefinition {
  /** ioredis command name; distinctive because the client may be shared. */
  command: string;
  /** Its `.lua` file beside this module. */
  file: string;
  /** KEYS it takes, read from the file name (`commit-turn-3.lua`: 3) as BullMQ does. */
  numberOfKeys: number;
  /** The source as defined: `prelude.lua` first when the script calls its helpers. */
  lua: string;
}

const PRELUDE = readFileSync(new URL('./prelude.lua', import.meta.url), 'utf8');

function script(command: string, url: URL, { prelude = true } = {}): HistoryScriptDefinition {
  const file = basename(url.pathname);
  const keys = /-(\d+)\.lua$/.exec(file)?.[1];
  if (keys === undefined) throw new Error(`script ${file} must end in -<number of keys>.lua`);
  const body = readFileSync(url, 'utf8');
  return { command, file, numberOfKeys: Number(keys), lua: prelude ? `${PRELUDE}\n${body}` : body };
}

/** Every session script; exported so a test can compile exactly what is defined. */
export const historyScriptDefinitions = {
  commitTurn: script('parleyHistoryCommitTurn', new URL('./commit-turn-3.lua', import.meta.url)),
  append: script('parleyHistoryAppend', new URL('./append-messages-2.lua', import.meta.url)),
  replace: script('parleyHistoryReplace', new URL('./replace-history-2.lua', import.meta.url)),
  clear: script('parleyHistoryClear', new URL('./clear-history-3.lua', import.meta.url)),
  compact: script('parleyHistoryCompact', new URL('./compact-history-2.lua', import.meta.url)),
  amendMessage: script('parleyHistoryAmendMessage', new URL('./amend-message-2.lua', import.meta.url)),
  // Without the prelude's checks, so a corrupt session can still be forgotten.
  forget: script('parleyHistoryForget', new URL('./forget-session-3.lua', import.meta.url), {
    prelude: false,
  }),
  // Only reads, so it needs none of the prelude's checks.
  newestPage: script('parleyHistoryNewestPage', new URL('./newest-page-1.lua', import.meta.url), {
    prelude: false,
  }),
  // Touches no history or meta, so it needs none of the prelude's helpers.
  markScopeForgotten: script(
    'parleyHistoryMarkScopeForgotten',
    new URL('./mark-scope-forgotten-1.lua', import.meta.url),
    { prelude: false },
  ),
} as const satisfies Record<keyof HistoryScripts, HistoryScriptDefinition>;

/** Arguments of the commit script after its three keys. */
export interface CommitTurnArguments {
  /** The turn's seq. */
  seq: number;
  /** Empty the history and images (`clear`) or everything but the committed seq (`forget`) first. */
  reset?: 'clear' | 'forget';
  /** Commit time, ms since epoch. */
  now: number;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** Usage to add (cost in integer micro-USD, as `checkUsage` returns it); absent when no model call was made. */
  usage?: UsageCounters;
  /** Sum of the appended messages' tokens. */
  addedTokens: number;
  /** Response to continue next: a string sets it, `null` deletes it, absent keeps it. */
  responseId?: string | null;
  /** Scope to remember for the session, if any. */
  scopeId?: string;
  /** How many of the newest messages to remove before appending (0 for none; ignored with a reset). */
  dropLast: number;
  /** Messages to append, already serialised. */
  messages: string[];
}

/** Arguments of the amend script after its two keys. */
export interface AmendMessageArguments {
  /** The `ref` of the message to replace or remove. */
  ref: string;
  /** How many of the newest entries to look through. */
  searchLimit: number;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** The replacement, serialised, and its tokens; absent removes the message. */
  replacement?: { message: string; tokens: number };
}

/** Arguments of the compaction script after its two keys. */
export interface CompactArguments {
  /** How many of the oldest messages go. */
  dropCount: number;
  /** The last dropped message, serialised exactly as stored. */
  lastDropped: string;
  /** Sum of the dropped messages' tokens. */
  droppedTokens: number;
  /** The summary replacing them. */
  summary: string;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** Usage of the summarizing call (cost in integer micro-USD), if any. */
  usage?: UsageCounters;
}

/**
 * Typed callers of the session scripts; all but the forget mark take the session's `history` and `meta` keys,
 * and those that drop or renew its images also its `images` set (see history-keys.ts).
 */
export interface HistoryScripts {
  /**
   * Resolves whether the turn was applied, and the scope ID the session was stored under before. A reset drops
   * the session's images; with retention, any other commit renews them.
   */
  commitTurn(
    history: string,
    meta: string,
    images: string,
    args: CommitTurnArguments,
  ): Promise<{ applied: boolean; previousScopeId: string }>;
  /** Appends serialised messages whose tokens add up to `addedTokens`. */
  append(
    history: string,
    meta: string,
    ttlMs: number,
    addedTokens: number,
    messages: string[],
  ): Promise<void>;
  /**
   * Replaces the history by serialised messages whose tokens add up to `totalTokens`, stores `scopeId` (when
   * given) and `now` as the last activity; resolves the scope stored before ('' for none).
   */
  replace(
    history: string,
    meta: string,
    ttlMs: number,
    totalTokens: number,
    messages: string[],
    place: { scopeId: string | undefined; now: number },
  ): Promise<string>;
  /** Deletes history, summary, response chain and images. */
  clear(history: string, meta: string, images: string): Promise<void>;
  /** Resolves whether the compaction was applied. */
  compact(history: string, meta: string, args: CompactArguments): Promise<boolean>;
  /** Resolves the amended message's position from the end before the change, or -1 when not found. */
  amendMessage(history: string, meta: string, args: AmendMessageArguments): Promise<number>;
  /** Deletes all but the committed seq, images included; resolves the scope ID stored before ('' if none). */
  forget(history: string, meta: string, images: string, ttlMs: number): Promise<string>;
  /** The history's length and its newest `pageSize` entries, read at once. */
  newestPage(history: string, pageSize: number): Promise<{ length: number; page: string[] }>;
  /** Raises the scope's forget mark (`forgotten` key) to `before`; resolves the mark now stored. */
  markScopeForgotten(forgotten: string, before: number, ttlMs: number): Promise<number>;
}

type RawScript = (...keysAndArgv: (string | number)[]) => Promise<unknown>;

const usageArguments = (usage: UsageCounters | undefined) => [
  usage ? 1 : 0,
  usage?.promptTokens ?? 0,
  usage?.completionTokens ?? 0,
  usage?.costMicroUsd ?? 0,
];

/** Defines the session scripts on `redis` and returns typed callers of them. */
export function defineHistoryScripts(redis: Redis | Cluster): HistoryScripts {
  const define = ({ command, numberOfKeys, lua }: HistoryScriptDefinition): RawScript => {
    redis.defineCommand(command, { numberOfKeys, lua });
    const raw = (redis as unknown as Record<string, RawScript>)[command]!;
    return (...keysAndArgv) => raw.call(redis, ...keysAndArgv);
  };
  const commitTurn = define(historyScriptDefinitions.commitTurn);
  const append = define(historyScriptDefinitions.append);
  const replace = define(historyScriptDefinitions.replace);
  const clear = define(historyScriptDefinitions.clear);
  const compact = define(historyScriptDefinitions.compact);
  const amendMessage = define(historyScriptDefinitions.amendMessage);
  const forget = define(historyScriptDefinitions.forget);
  const markScopeForgotten = define(historyScriptDefinitions.markScopeForgotten);
  const newestPage = define(historyScriptDefinitions.newestPage);

  return {
    async commitTurn(history, meta, images, args) {
      const responseAction =
        args.responseId === undefined ? 'keep' : args.responseId === null ? 'delete' : 'set';
      const [applied, previousScopeId] = (await commitTurn(
        history,
        meta,
        images,
        args.seq,
        args.reset ?? '',
        args.now,
        args.ttlMs,
        ...usageArguments(args.usage),
        args.addedTokens,
        responseAction,
        args.responseId ?? '',
        args.scopeId ?? '',
        args.dropLast,
        ...args.messages,
      )) as [number, string];
      return { applied: applied === 1, previousScopeId };
    },
    async append(history, meta, ttlMs, addedTokens, messages) {
      await append(history, meta, ttlMs, addedTokens, ...messages);
    },
    async replace(history, meta, ttlMs, totalTokens, messages, { scopeId, now }) {
      return String(await replace(history, meta, ttlMs, totalTokens, scopeId ?? '', now, ...messages));
    },
    async clear(history, meta, images) {
      await clear(history, meta, images);
    },
    async compact(history, meta, args) {
      const applied = await compact(
        history,
        meta,
        args.dropCount,
        args.lastDropped,
        args.droppedTokens,
        args.summary,
        args.ttlMs,
        ...usageArguments(args.usage),
      );
      return applied === 1;
    },
    async amendMessage(history, meta, { ref, searchLimit, ttlMs, replacement }) {
      const { message = '', tokens = 0 } = replacement ?? {};
      return Number(await amendMessage(history, meta, ref, searchLimit, ttlMs, message, tokens));
    },
    async forget(history, meta, images, ttlMs) {
      return String(await forget(history, meta, images, ttlMs));
    },
    async markScopeForgotten(forgotten, before, ttlMs) {
      return Number(await markScopeForgotten(forgotten, before, ttlMs));
    },

    async newestPage(history, pageSize) {
      const [length, page] = (await newestPage(history, pageSize)) as [number, string[]];
      return { length: Number(length), page };
    },
  };
}
