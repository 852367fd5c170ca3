import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { FollowedConversations } from '../../src/turn/platform-ingress.ts';
import type { ChannelDirectory } from './channel-directory.ts';
import { EVENT_ENQUEUE_TIMEOUT_MS, inTime } from './enqueue-in-time.ts';
import { type EnqueueMessageContext, enqueueMessage } from './enqueue-message.ts';
import { type Admitted, createEventAdmission } from './event-admission.ts';
import { EventNotQueuedError } from './event-not-queued.ts';
import { followRoleOf } from './event-to-turn.ts';
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
  /** What the model is told besides the message (the assistant pane's viewed channel), appended to its text. */
  note?: string;
}

/** Options of `createMessageHandler`. */
export interface MessageHandlerOptions {
  /** Where turns go. */
  sink: TurnSink;
  /** Web API client with the bot token (thread backfill, reset confirmations). */
  client: webApi.WebClient;
  /** Display names. */
  directory: UserDirectory;
  /** Names of channels linked without one. */
  channels?: ChannelDirectory;
  /**
   * The threads the bot takes part in. With it, `FOLLOW_UPS=thread` answers follow-ups there, and edits and
   * deletes count in them; without it, only mentions and DMs are answered, and only DM edits count.
   */
  followed?: FollowedConversations;
  /** `FOLLOW_UPS` (default `thread`). */
  followUps?: 'thread' | 'mention';
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
  const { logger, followed } = options;
  const followUps = followed !== undefined && (options.followUps ?? 'thread') === 'thread';
  const admission = createEventAdmission({
    logger,
    ignoreBots: options.ignoreBots,
    sessionScope: options.sessionScope,
    followUps,
  });
  const inOrder = createInOrderRunner();
  const enqueueContext: EnqueueMessageContext = {
    sink: options.sink,
    client: options.client,
    directory: options.directory,
    channels: options.channels,
    logger,
    sessionScope: options.sessionScope,
    // Sessions this process has already enqueued for: their thread history is known to the worker.
    knownSessions: createRecentSet(20_000),
    enqueueTimeoutMs: options.enqueueTimeoutMs ?? EVENT_ENQUEUE_TIMEOUT_MS,
  };

  const threads: FollowedThreads = {
    followed,
    followUps,
    timeoutMs: enqueueContext.enqueueTimeoutMs,
    logger,
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
      await inOrder(draft.sessionId, async () => {
        if (await takesPart(incoming, admitted, threads))
          await enqueueMessage(incoming.event, draft, base, enqueueContext, incoming.note);
      });
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

/** What `takesPart` needs: the followed threads, whether to follow new ones, and how long Redis may take. */
interface FollowedThreads {
  followed: FollowedConversations | undefined;
  followUps: boolean;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Whether the bot takes part where the turn was made, following the thread first when a mention starts or joins
 * one (a follow-up right behind it must find it followed). A follow-up, or an edit or delete in a channel, in a
 * thread the bot does not follow is ignored (false). Both calls are bounded like the enqueue: with Redis down the
 * event is refused in time.
 */
async function takesPart(
  incoming: IncomingSlackEvent,
  admitted: Admitted,
  threads: FollowedThreads,
): Promise<boolean> {
  const { followed, timeoutMs } = threads;
  const { draft, base } = admitted;
  const role = followRoleOf(incoming.event, draft, base.botUserId);
  const thread = role.requireFollowed;
  if (thread !== undefined && !(followed && (await inTime(followed.isFollowed(thread), timeoutMs)))) {
    const eventId = incoming.body.event_id;
    threads.logger.debug({ eventId, reason: 'thread not followed', kind: draft.kind }, 'event ignored');
    return false;
  }
  if (role.follow !== undefined && threads.followUps && followed)
    await inTime(followed.follow(role.follow), timeoutMs);
  return true;
}
