import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { createRecentSet } from './recent-set.ts';
import { resetConfirmation } from './reset-command.ts';
import { isDirectMessageChannel, parseSlackSessionId, type SlackSessionScope } from './slack-session-id.ts';
import { mentionedUserIds } from './slack-text.ts';
import { fetchThreadContext } from './thread-context.ts';
import { isInExistingThread, type SlackMessageEvent, toTurn } from './to-turn.ts';
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

/** Most mentioned users whose names are looked up per message (the rest stay `@U123`). */
const MAX_NAME_LOOKUPS = 6;

/**
 * Turns message events into queued turns. Slack redelivers events (HTTP retries, Socket Mode
 * redeliveries) and sends a mention as both `app_mention` and `message.*`; recent event ids and turn ids
 * are remembered so duplicates are dropped here before any API call. The queue de-duplicates on the turn id
 * as well, which covers several ingress processes. Never throws: a bad event is logged and dropped.
 */
export function createMessageHandler(
  options: MessageHandlerOptions,
): (incoming: IncomingSlackEvent) => Promise<void> {
  const { sink, client, directory, logger } = options;
  const seenEvents = createRecentSet(5_000);
  const seenTurns = createRecentSet(5_000);
  // Sessions this process has already enqueued for: their thread history is known to the worker.
  const knownSessions = createRecentSet(20_000);

  const confirmReset = async (turn: Turn, event: SlackMessageEvent, botUserId: string) => {
    const threadTs = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    // What was reset is the turn's session: a thread, a DM, or (top level, or all threads sharing it) a channel.
    const scope =
      parseSlackSessionId(turn.sessionId).threadTs !== undefined
        ? 'thread'
        : isDirectMessageChannel(turn.target.channelId)
          ? 'dm'
          : 'channel';
    const text = resetConfirmation(scope, botUserId, options.sessionScope);
    try {
      await client.chat.postEphemeral({
        channel: turn.target.channelId,
        user: turn.author.id,
        thread_ts: threadTs,
        text,
      });
    } catch (error) {
      logger.debug({ err: error }, 'ephemeral reset confirmation failed; answering in the thread');
      await client.chat
        .postMessage({ channel: turn.target.channelId, thread_ts: threadTs ?? turn.target.threadId, text })
        .catch((postError: unknown) => logger.warn({ err: postError }, 'could not confirm the reset'));
    }
  };

  // Per-session promise chains: one process enqueues a session's messages in the order they arrived, even
  // when looking up names or the thread history takes longer for an earlier one.
  const chains = new Map<string, Promise<void>>();
  const inOrder = (sessionId: string, task: () => Promise<void>): Promise<void> => {
    const next = (chains.get(sessionId) ?? Promise.resolve()).then(task);
    chains.set(sessionId, next);
    void next.then(() => {
      if (chains.get(sessionId) === next) chains.delete(sessionId);
    });
    return next;
  };

  const forget = (eventId: string | undefined, turnKey: string | undefined) => {
    if (eventId !== undefined) seenEvents.delete(eventId);
    if (turnKey !== undefined) seenTurns.delete(turnKey);
  };

  return async ({ event, body, context }) => {
    const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
    try {
      if (eventId !== undefined && seenEvents.has(eventId)) {
        logger.debug({ eventId, retryNum: context.retryNum }, 'dropping a redelivered event');
        return;
      }
      if (eventId !== undefined) seenEvents.add(eventId);
      if (!context.botUserId) {
        logger.warn({ eventId }, 'dropping an event: the bot user id is unknown (auth.test did not answer)');
        return;
      }
      const base = {
        team: typeof body.team_id === 'string' ? body.team_id : context.teamId,
        botUserId: context.botUserId,
        botId: context.botId,
        ignoreBots: options.ignoreBots,
        sessionScope: options.sessionScope,
      };
      const draft = toTurn(event, {
        ...base,
        onIgnore: (reason) => logger.debug({ eventId, reason }, 'event ignored'),
      });
      if (!draft) return;
      const turnKey = `${draft.sessionId}|${draft.id}`;
      if (seenTurns.has(turnKey)) {
        logger.debug({ eventId, turnId: draft.id }, 'dropping a second delivery of the same message');
        return;
      }
      seenTurns.add(turnKey);

      await inOrder(draft.sessionId, async () => {
        try {
          const text = typeof event.text === 'string' ? event.text : '';
          const mentioned = mentionedUserIds(text).filter((id) => id !== base.botUserId);
          const names = await directory.names([draft.author.id, ...mentioned.slice(0, MAX_NAME_LOOKUPS)]);
          const turn = toTurn(event, { ...base, names }) ?? draft;
          if (turn.kind === 'message' && isInExistingThread(event) && !knownSessions.has(turn.sessionId)) {
            const earlier = await fetchThreadContext({
              client,
              directory,
              logger,
              channel: turn.target.channelId,
              threadTs: event.thread_ts as string,
              currentTs: event.ts as string,
              botUserId: base.botUserId,
              botId: base.botId,
            });
            if (earlier.length > 0) turn.context = earlier;
          }
          const result = await sink.enqueue(turn);
          knownSessions.add(turn.sessionId);
          logger.info(
            {
              sessionId: turn.sessionId,
              turnId: turn.id,
              kind: turn.kind,
              command: turn.command?.name,
              accepted: result.accepted,
              seq: result.seq,
            },
            'turn enqueued',
          );
          if (turn.kind === 'reset' && result.accepted) await confirmReset(turn, event, base.botUserId);
        } catch (error) {
          // Let a redelivery try again: this attempt did not reach the queue.
          forget(eventId, turnKey);
          logger.error({ err: error, eventId, turnId: draft.id }, 'could not enqueue a Slack message');
        }
      });
    } catch (error) {
      forget(eventId, undefined);
      logger.warn({ err: error, eventId }, 'dropping a Slack event that could not be read');
    }
  };
}
