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
 * Each runs the session's script and updates the index with separate commands, as the index keys carry their
 * own hash tag (Redis Cluster refuses scripts that span slots). For the same reason a commit under a scope
 * renews the scope's keys, and checks the scope's forget mark, with commands of their own: sent together on
 * one node, one after the other on a Cluster.
 */
export function createRedisIndexedWrites(context: RedisHistoryContext): RedisIndexedWrites {
  const { prefix, ttlMs, now, logger, scripts, sessionIndex } = context;
  // A single node (alone or behind Sentinel), where commands on one connection are applied in the order sent.
  const inOrder = !('isCluster' in context.redis && context.redis.isCluster);
  const forget = async (sessionId: string) => {
    const { history, meta, images } = historyKeys(prefix, sessionId);
    const scopeId = await scripts.forget(history, meta, images, ttlMs);
    await sessionIndex.remove(sessionId, scopeId);
  };
  return {
    async commitTurn(sessionId, commit) {
      const args = commitArguments(sessionId, commit, ttlMs, now);
      const { history, meta, images } = historyKeys(prefix, sessionId);
      const scopeId = commit.scopeId ?? sessionId;
      // Resolves the listing time before (see recordCommit), null when the index could not be written.
      const index = (previousScopeId: string) =>
        Promise.all([
          sessionIndex.recordCommit(sessionId, args.now, args.scopeId, previousScopeId),
          args.scopeId === undefined ? undefined : renewScope(context, args.scopeId),
        ]).then(
          ([listedAt]) => listedAt,
          (error: unknown) => {
            // The turn is committed; failing now would only make the queue retry a commit that is a no-op.
            logger.warn({ err: error, sessionId }, 'session index not updated; the next commit repairs it');
            return null;
          },
        );
      let mark: number;
      if (inOrder && !commit.forget) {
        // One node applies one connection's commands in the order sent, so the commit, the index and the
        // forget mark (read after indexing: see below) go out together, in one write. All three settle before
        // anything is decided, so a failed commit leaves no read unhandled.
        const [committed, indexed, read] = await Promise.allSettled([
          scripts.commitTurn(history, meta, images, args),
          index(''),
          forgottenBefore(context, scopeId),
        ]);
        if (committed.status === 'rejected') throw committed.reason;
        if (!committed.value.applied) {
          // A repeat of a committed turn, indexed all the same: its entry goes back to what it was (a replay is
          // no activity, and a session forgotten since stays out of the listing).
          const listedAt = indexed.status === 'fulfilled' ? indexed.value : null;
          if (listedAt !== null) await sessionIndex.undoCommit(sessionId, args.scopeId, listedAt);
          return false;
        }
        if (read.status === 'rejected') throw read.reason;
        mark = read.value;
      } else {
        // On a Cluster the index and the mark live on other nodes than the session: each waits for the step
        // before it. A forget reset needs the scope the commit reports before it can index.
        const { applied, previousScopeId } = await scripts.commitTurn(history, meta, images, args);
        if (!applied) return false;
        await index(commit.forget ? previousScopeId : '');
        // Read only after indexing, so a `forgetScope` marking meanwhile finds this session (see its module).
        mark = await forgottenBefore(context, scopeId);
      }
      if (commit.receivedAt === undefined || commit.receivedAt >= mark) return true;
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
