import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/logger.ts';
import type { Turn } from '../../src/turn.ts';
import type { TurnSink } from '../../src/turn-queue.ts';
import { createRecentSet } from './recent-set.ts';
import { resetConfirmation } from './reset-command.ts';
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

  const confirmReset = async (turn: Turn, event: SlackMessageEvent) => {
    const threadTs = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    const scope = threadTs ? 'thread' : turn.target.channelId.startsWith('D') ? 'dm' : 'channel';
    const text = resetConfirmation(scope, undefined);
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

  return async ({ event, body, context }) => {
    const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
    let turnId: string | undefined;
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
      };
      const draft = toTurn(event, {
        ...base,
        onIgnore: (reason) => logger.debug({ eventId, reason }, 'event ignored'),
      });
      if (!draft) return;
      if (seenTurns.has(draft.id)) {
        logger.debug({ eventId, turnId: draft.id }, 'dropping a second delivery of the same message');
        return;
      }
      turnId = draft.id;
      seenTurns.add(turnId);

      const text = typeof event.text === 'string' ? event.text : '';
      const names = await directory.names(
        [draft.author.id, ...mentionedUserIds(text).filter((id) => id !== base.botUserId)].slice(
          0,
          MAX_NAME_LOOKUPS + 1,
        ),
      );
      const turn = toTurn(event, { ...base, names }) ?? draft;
      if (turn.kind === 'message' && isInExistingThread(event) && !knownSessions.has(turn.sessionId)) {
        const context = await fetchThreadContext({
          client,
          directory,
          logger,
          channel: turn.target.channelId,
          threadTs: event.thread_ts as string,
          currentTs: event.ts as string,
          botUserId: base.botUserId,
          botId: base.botId,
        });
        if (context.length > 0) turn.context = context;
      }
      const result = await sink.enqueue(turn);
      knownSessions.add(turn.sessionId);
      logger.info(
        {
          sessionId: turn.sessionId,
          turnId: turn.id,
          kind: turn.kind,
          accepted: result.accepted,
          seq: result.seq,
        },
        'turn enqueued',
      );
      if (turn.kind === 'reset' && result.accepted) await confirmReset(turn, event);
    } catch (error) {
      // Let a redelivery try again: this attempt did not reach the queue.
      if (eventId !== undefined) seenEvents.delete(eventId);
      if (turnId !== undefined) seenTurns.delete(turnId);
      logger.error({ err: error, eventId, turnId }, 'could not handle a Slack event');
    }
  };
}
