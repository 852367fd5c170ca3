import { checkUsage } from '../../usage/usage-counters.ts';
import { checkDropLast, checkSeq, checkTime, sumTokens } from '../history-arguments.ts';
import type { HistoryStore, TurnCommit } from '../history-store.ts';
import { historyKeys } from './history-keys.ts';
import type { CommitTurnArguments } from './history-scripts.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { forgottenBefore, renewScope } from './redis-scope-forgetting.ts';
import { serializeMessage } from './stored-message-codec.ts';

/** The writes that also move the session in the session index: committing a turn and forgetting. */
export type RedisIndexedWrites = Pick<HistoryStore, 'commitTurn' | 'forget'>;

/**
 * Each runs the session's script first and then updates the index with separate commands, as the index keys
 * carry their own hash tag (Redis Cluster refuses scripts that span slots). For the same reason a commit
 * under a scope renews the scope's keys, and checks the scope's forget mark, with commands of their own.
 */
export function createRedisIndexedWrites(context: RedisHistoryContext): RedisIndexedWrites {
  const { prefix, ttlMs, now, logger, scripts, sessionIndex } = context;
  const forget = async (sessionId: string) => {
    const { history, meta, images } = historyKeys(prefix, sessionId);
    const scopeId = await scripts.forget(history, meta, images, ttlMs);
    await sessionIndex.remove(sessionId, scopeId);
  };
  return {
    async commitTurn(sessionId, commit) {
      const args = commitArguments(sessionId, commit, ttlMs, now);
      const { history, meta, images } = historyKeys(prefix, sessionId);
      const { applied, previousScopeId } = await scripts.commitTurn(history, meta, images, args);
      if (!applied) return false;
      try {
        await sessionIndex.recordCommit(
          sessionId,
          args.now,
          args.scopeId,
          commit.forget ? previousScopeId : '',
        );
        if (args.scopeId !== undefined) await renewScope(context, args.scopeId);
      } catch (error) {
        // The turn is committed; failing now would only make the queue retry a commit that is a no-op.
        logger.warn({ err: error, sessionId }, 'session index not updated; the next commit repairs it');
      }
      // Read only after indexing, so a `forgetScope` marking meanwhile finds this session (see its module).
      const scopeId = commit.scopeId ?? sessionId;
      if (commit.receivedAt === undefined || commit.receivedAt >= (await forgottenBefore(context, scopeId))) {
        return true;
      }
      // Received before its scope was forgotten: keep nothing of it but the seq, which is now committed.
      logger.info({ sessionId }, 'turn of a forgotten scope committed late; forgetting its session again');
      await forget(sessionId);
      return false;
    },

    forget,
  };
}

/** The commit script's arguments, stamped with the commit time; throws first on a malformed commit. */
function commitArguments(
  sessionId: string,
  commit: TurnCommit,
  ttlMs: number,
  now: () => number,
): CommitTurnArguments {
  checkSeq(commit.seq);
  if (commit.receivedAt !== undefined) checkTime('receivedAt', commit.receivedAt);
  const usage = commit.usage ? checkUsage(commit.usage) : undefined;
  const addedTokens = sumTokens(commit.messages);
  const dropLast = checkDropLast(commit.dropLast);
  // A session is not a member of its own scope.
  const scopeId = commit.scopeId !== undefined && commit.scopeId !== sessionId ? commit.scopeId : undefined;
  return {
    seq: commit.seq,
    ...(commit.forget ? { reset: 'forget' as const } : commit.clear ? { reset: 'clear' as const } : {}),
    now: now(),
    ttlMs,
    ...(usage ? { usage } : {}),
    addedTokens,
    ...(commit.responseId !== undefined ? { responseId: commit.responseId } : {}),
    ...(scopeId !== undefined ? { scopeId } : {}),
    dropLast,
    messages: commit.messages.map(serializeMessage),
  };
}
