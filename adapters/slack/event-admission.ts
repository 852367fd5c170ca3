import type { Logger } from '../../src/app/logger.ts';
import type { Turn } from '../../src/turn/turn.ts';
import type { TurnBase } from './enqueue-message.ts';
import type { IncomingSlackEvent } from './message-handler.ts';
import { createRecentSet } from './recent-set.ts';
import type { SlackSessionScope } from './slack-session-id.ts';
import { toTurn } from './to-turn.ts';

/** An event seen for the first time that makes a turn: its draft (names not yet looked up). */
export interface Admitted {
  /** The turn as far as the event alone tells. */
  draft: Turn;
  /** The `toTurn` options it was made with, for the final turn once names are known. */
  base: TurnBase;
  /** Key of the turn among those seen (session and turn id). */
  turnKey: string;
}

/** Which events go on to be queued: each event and each message once. */
export interface EventAdmission {
  /** The draft turn of a new event; undefined (logged) for a redelivery, a second copy or no turn at all. */
  admit(incoming: IncomingSlackEvent, eventId: string | undefined): Admitted | undefined;
  /** Forgets an event and its turn, so that a redelivery is admitted again (handling it failed). */
  forget(eventId: string | undefined, turnKey: string | undefined): void;
}

/** Options of `createEventAdmission`. */
export interface EventAdmissionOptions {
  /** Logger (every drop is logged at debug, an unknown bot user id at warn). */
  logger: Logger;
  /** Ignore messages of other bots. */
  ignoreBots: boolean;
  /** `SLACK_SESSION_SCOPE`. */
  sessionScope: SlackSessionScope | undefined;
}

/** How many recent event ids and turn keys are remembered. */
const REMEMBERED = 5_000;

/**
 * Slack redelivers events (HTTP retries, Socket Mode redeliveries) and sends a mention as both `app_mention`
 * and `message.*`: recent event ids and turn keys are remembered so duplicates are dropped before any API call.
 */
export function createEventAdmission(options: EventAdmissionOptions): EventAdmission {
  const { logger } = options;
  const seenEvents = createRecentSet(REMEMBERED);
  const seenTurns = createRecentSet(REMEMBERED);
  return {
    admit({ event, body, context }, eventId) {
      if (eventId !== undefined && seenEvents.has(eventId)) {
        logger.debug({ eventId, retryNum: context.retryNum }, 'dropping a redelivered event');
        return undefined;
      }
      if (eventId !== undefined) seenEvents.add(eventId);
      if (!context.botUserId) {
        logger.warn({ eventId }, 'dropping an event: the bot user id is unknown (auth.test did not answer)');
        return undefined;
      }
      const base: TurnBase = {
        team: typeof body.team_id === 'string' ? body.team_id : context.teamId,
        botUserId: context.botUserId,
        botId: context.botId,
        ignoreBots: options.ignoreBots,
        sessionScope: options.sessionScope,
      };
      const onIgnore = (reason: string) => logger.debug({ eventId, reason }, 'event ignored');
      const draft = toTurn(event, { ...base, onIgnore });
      if (!draft) return undefined;
      const turnKey = `${draft.sessionId}|${draft.id}`;
      if (seenTurns.has(turnKey)) {
        logger.debug({ eventId, turnId: draft.id }, 'dropping a second delivery of the same message');
        return undefined;
      }
      seenTurns.add(turnKey);
      return { draft, base, turnKey };
    },
    forget(eventId, turnKey) {
      if (eventId !== undefined) seenEvents.delete(eventId);
      if (turnKey !== undefined) seenTurns.delete(turnKey);
    },
  };
}
