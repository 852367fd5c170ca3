import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import { type EnqueueMessageContext, enqueueMessage } from './enqueue-message.ts';
import { createEventAdmission } from './event-admission.ts';
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
}

/**
 * Turns message events into queued turns, in order per session. Duplicates (redeliveries, a mention sent as
 * both `app_mention` and `message.*`) are dropped here before any API call (see `createEventAdmission`); the
 * queue de-duplicates on the turn id as well, which covers several ingress processes. Never throws: a bad
 * event is logged and dropped, and an event that did not reach the queue is admitted again when redelivered.
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
  };

  return async (incoming) => {
    const eventId = typeof incoming.body.event_id === 'string' ? incoming.body.event_id : undefined;
    try {
      const admitted = admission.admit(incoming, eventId);
      if (!admitted) return;
      const { draft, base, turnKey } = admitted;
      await inOrder(draft.sessionId, async () => {
        try {
          await enqueueMessage(incoming.event, draft, base, enqueueContext);
        } catch (error) {
          // Let a redelivery try again: this attempt did not reach the queue.
          admission.forget(eventId, turnKey);
          logger.error({ err: error, eventId, turnId: draft.id }, 'could not enqueue a Slack message');
        }
      });
    } catch (error) {
      admission.forget(eventId, undefined);
      logger.warn({ err: error, eventId }, 'dropping a Slack event that could not be read');
    }
  };
}
