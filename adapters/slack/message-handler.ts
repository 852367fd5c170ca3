import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import { EVENT_ENQUEUE_TIMEOUT_MS } from './enqueue-in-time.ts';
import { type EnqueueMessageContext, enqueueMessage } from './enqueue-message.ts';
import { createEventAdmission } from './event-admission.ts';
import { EventNotQueuedError } from './event-not-queued.ts';
import { createInOrderRunner } from './in-order-runner.ts';
import { createRecentSet } from './recent-set.ts';
import type { SlackSessionScope } from './slack-session-id.ts';
import type { SlackMessageEvent } from './to-turn.ts';
import type { UserDirectory } from './user-directory.ts';

/** What a listener hands over: the event, its envelope and Bolt's context. */
export interface IncomingSlackEvent {
  /** The inner event (`app_mention`, `message`). */
  event: SlackMessageEvent;
  /** The envelope (`event_callback`) with `event_id` and `team_id`. */
  body: { event_id?: unknown; team_id?: unknown };
  /** Bolt's context: the bot's ids (from `auth.test`) and the retry number of a redelivery. */
  context: { botUserId?: string; botId?: string; teamId?: string; retryNum?: number };
}

/** Options of `createMessageHandler`. */
export interface MessageHandlerOptions {
  /** Where turns go. */
  sink: TurnSink;
  /** Web API client with the bot token (thread backfill, reset confirmations). */
  client: webApi.WebClient;
  /** Display names. */
  directory: UserDirectory;
  /** Logger. */
  logger: Logger;
  /** Ignore messages of other bots. */
  ignoreBots: boolean;
  /** One conversation per thread (default) or per channel (`SLACK_SESSION_SCOPE`). */
  sessionScope?: SlackSessionScope;
  /** How long the queue may take before an event is refused (default 2 s of Slack's 3). */
  enqueueTimeoutMs?: number;
}

/**
 * Turns message events into queued turns, in order per session. Duplicates (redeliveries, a mention sent as
 * both `app_mention` and `message.*`) are dropped here before any API call (see `createEventAdmission`); the
 * queue de-duplicates on the turn id as well, which covers several ingress processes. Resolves once the turn
 * is in the queue, or the event is dropped (a bad event is logged); rejects with `EventNotQueuedError` when
 * the turn could not be queued, so that Slack is not acknowledged and delivers the event again.
 */
export function createMessageHandler(
  options: MessageHandlerOptions,
): (incoming: IncomingSlackEvent) => Promise<void> {
  const { logger } = options;
  const admission = createEventAdmission({
    logger,
    ignoreBots: options.ignoreBots,
    sessionScope: options.sessionScope,
  });
  const inOrder = createInOrderRunner();
  const enqueueContext: EnqueueMessageContext = {
    sink: options.sink,
    client: options.client,
    directory: options.directory,
    logger,
    sessionScope: options.sessionScope,
    // Sessions this process has already enqueued for: their thread history is known to the worker.
    knownSessions: createRecentSet(20_000),
    enqueueTimeoutMs: options.enqueueTimeoutMs ?? EVENT_ENQUEUE_TIMEOUT_MS,
  };

  return async (incoming) => {
    const eventId = typeof incoming.body.event_id === 'string' ? incoming.body.event_id : undefined;
    let admitted: Awaited<ReturnType<typeof admission.admit>>;
    try {
      admitted = await admission.admit(incoming, eventId);
    } catch (error) {
      logger.warn({ err: error, eventId }, 'dropping a Slack event that could not be read');
      return;
    }
    if (!admitted) return;
    const { draft, base } = admitted;
    try {
      await inOrder(draft.sessionId, () => enqueueMessage(incoming.event, draft, base, enqueueContext));
      admitted.settle(true);
    } catch (error) {
      // Forgotten, so that Slack's redelivery is handled afresh: this attempt did not reach the queue.
      admitted.settle(false);
      // Only the message: a queue error can carry the command it ran (ioredis keeps its arguments), i.e. the turn.
      const reason = error instanceof Error ? error.message : String(error);
      logger.error(
        { reason, eventId, turnId: draft.id, retryNum: incoming.context.retryNum },
        'could not enqueue a Slack message; refusing it so that Slack delivers it again',
      );
      throw new EventNotQueuedError(eventId, error);
    }
  };
}
