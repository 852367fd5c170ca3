import type { Logger } from '../../src/app/logger.ts';
import type { Turn } from '../../src/turn/turn.ts';
import type { TurnBase } from './enqueue-message.ts';
import { eventToTurn } from './event-to-turn.ts';
import type { IncomingSlackEvent } from './message-handler.ts';
import { createRecentSet, type RecentSet } from './recent-set.ts';
import type { SlackSessionScope } from './slack-session-id.ts';

/** An event seen for the first time that makes a turn: its draft (names not yet looked up). */
export interface Admitted {
  /** The turn as far as the event alone tells. */
  draft: Turn;
  /** The `toTurn` options it was made with, for the final turn once names are known. */
  base: TurnBase;
  /** Key of the turn among those seen (session and turn id). */
  turnKey: string;
  /**
   * Reports how handling it ended: `true` once the turn is in the queue (the event and its turn are then
   * remembered, and copies dropped), `false` when it is not (a redelivery is admitted again).
   */
  settle(queued: boolean): void;
}

/** Which events go on to be queued: each event and each message once. */
export interface EventAdmission {
  /**
   * The draft turn of a new event, to be settled; undefined (logged) for a redelivery, a second copy or an
   * event that makes no turn. While an earlier copy is still being queued, waits for how that ends.
   */
  admit(incoming: IncomingSlackEvent, eventId: string | undefined): Promise<Admitted | undefined>;
}

/** Options of `createEventAdmission`. */
export interface EventAdmissionOptions {
  /** Logger (every drop is logged at debug, an unknown bot user id at warn). */
  logger: Logger;
  /** Ignore messages of other bots. */
  ignoreBots: boolean;
  /** `SLACK_SESSION_SCOPE`. */
  sessionScope: SlackSessionScope | undefined;
  /** `FOLLOW_UPS=thread` with followed threads known: thread messages without a mention make follow-up turns. */
  followUps?: boolean;
}

/** How many recent event ids and turn keys are remembered. */
const REMEMBERED = 5_000;

/** What one look at an event found: a turn to claim, an earlier copy to wait for, or nothing to do. */
type Verdict = Omit<Admitted, 'settle'> | { waitFor: Promise<void> } | undefined;

/** What the admission remembers: handled events and turns, and those being queued right now. */
interface AdmissionState {
  seenEvents: RecentSet;
  seenTurns: RecentSet;
  /** By `event|<id>` and by turn key: settles when the copy being queued is done, either way. */
  inFlight: Map<string, Promise<void>>;
}

const eventKey = (eventId: string | undefined) => (eventId === undefined ? undefined : `event|${eventId}`);

function remember(state: AdmissionState, eventId: string | undefined): void {
  if (eventId !== undefined) state.seenEvents.add(eventId);
}

/** Looks at an event once (see `createEventAdmission`); ignored events are remembered and logged. */
function look(
  { event, body, context }: IncomingSlackEvent,
  eventId: string | undefined,
  state: AdmissionState,
  options: EventAdmissionOptions,
): Verdict {
  const { logger } = options;
  const pendingEvent = state.inFlight.get(eventKey(eventId) ?? '');
  if (pendingEvent) return { waitFor: pendingEvent };
  if (eventId !== undefined && state.seenEvents.has(eventId)) {
    logger.debug({ eventId, retryNum: context.retryNum }, 'dropping a redelivered event');
    return undefined;
  }
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
    followUps: options.followUps === true,
    eventId,
  };
  const onIgnore = (reason: string) => logger.debug({ eventId, reason }, 'event ignored');
  const draft = eventToTurn(event, { ...base, onIgnore });
  if (!draft) {
    remember(state, eventId);
    return undefined;
  }
  const turnKey = `${draft.sessionId}|${draft.id}`;
  const pendingTurn = state.inFlight.get(turnKey);
  if (pendingTurn) return { waitFor: pendingTurn };
  if (state.seenTurns.has(turnKey)) {
    logger.debug({ eventId, turnId: draft.id }, 'dropping a second delivery of the same message');
    remember(state, eventId);
    return undefined;
  }
  return { draft, base, turnKey };
}

/** Marks the event and its turn as being queued until `settle` says how that ended. */
function claim(
  found: Omit<Admitted, 'settle'>,
  eventId: string | undefined,
  state: AdmissionState,
): Admitted {
  let release: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  const keys = [found.turnKey, eventKey(eventId)].filter((key) => key !== undefined);
  for (const key of keys) state.inFlight.set(key, done);
  let settled = false;
  return {
    ...found,
    settle(queued) {
      if (settled) return;
      settled = true;
      for (const key of keys) state.inFlight.delete(key);
      if (queued) {
        remember(state, eventId);
        state.seenTurns.add(found.turnKey);
      }
      release();
    },
  };
}

/**
 * Slack redelivers events (HTTP retries, Socket Mode redeliveries) and sends a mention as both `app_mention`
 * and `message.*`: event ids and turn keys are remembered so duplicates are dropped before any API call — but
 * only once the turn is in the queue, or the event deliberately ignored. An event whose queueing failed is
 * forgotten, so Slack's redelivery is handled afresh; a copy arriving while the first is still on its way
 * waits for it, and takes over if it fails.
 */
export function createEventAdmission(options: EventAdmissionOptions): EventAdmission {
  const state: AdmissionState = {
    seenEvents: createRecentSet(REMEMBERED),
    seenTurns: createRecentSet(REMEMBERED),
    inFlight: new Map(),
  };
  return {
    async admit(incoming, eventId) {
      for (;;) {
        const verdict = look(incoming, eventId, state, options);
        if (verdict === undefined) return undefined;
        if (!('waitFor' in verdict)) return claim(verdict, eventId, state);
        options.logger.debug({ eventId }, 'a copy of this event is being queued; waiting for it');
        await verdict.waitFor;
      }
    },
  };
}
