import type { Logger } from '../app/logger.ts';
import type { TurnSink } from '../queue/turn-queue.ts';
import type { AccessRules } from './access-policy.ts';
import { createAccessPolicy } from './access-policy.ts';

/** Options of the sink the adapters enqueue through. */
export interface GuardedSinkOptions {
  /** Access rules and loop protection. */
  access: AccessRules;
  /** `daily`: a fresh conversation every UTC day (the session ID gets a `dYYYYMMDD` part). */
  sessionRotate: 'off' | 'daily';
  /** Logger. */
  logger: Logger;
  /** Clock, ms since epoch. */
  now?: () => number;
}

/**
 * Wraps the queue for the adapters: turns that break the access rules are logged and dropped before they
 * reach the queue, and with daily rotation each day's turns go to that day's session. The channel-level
 * scope (persona, budgets, `/forget`) stays the same across days.
 */
export function createGuardedSink(sink: TurnSink, options: GuardedSinkOptions): TurnSink {
  const now = options.now ?? Date.now;
  const policy = createAccessPolicy(options.access, now);
  return {
    async enqueue(turn) {
      const decision = policy.check(turn);
      if (!decision.allowed) {
        options.logger.info(
          { sessionId: turn.sessionId, platform: turn.target.platform, reason: decision.reason },
          'turn dropped by access rules',
        );
        return { accepted: false, seq: undefined, declined: decision.reason };
      }
      if (options.sessionRotate === 'daily') {
        const day = new Date(turn.receivedAt || now()).toISOString().slice(0, 10).replaceAll('-', '');
        turn = { ...turn, scopeId: turn.scopeId ?? turn.sessionId, sessionId: `${turn.sessionId}:d${day}` };
      }
      // The receipt time the metrics measure from; a turn handed on by another sink keeps its own.
      return sink.enqueue(turn.acceptedAt === undefined ? { ...turn, acceptedAt: now() } : turn);
    },
  };
}
