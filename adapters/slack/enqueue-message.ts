import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import type { ChannelDirectory } from './channel-directory.ts';
import { confirmReset } from './confirm-reset.ts';
import { enqueueInTime } from './enqueue-in-time.ts';
import { type EventToTurnOptions, eventToTurn, rawTextOf } from './event-to-turn.ts';
import { lookUpFileInfo } from './look-up-file-info.ts';
import type { RecentSet } from './recent-set.ts';
import type { SlackSessionScope } from './slack-session-id.ts';
import { mentionedUserIds, unnamedChannelIds } from './slack-text.ts';
import { fetchThreadContext } from './thread-context.ts';
import { isInExistingThread, type SlackMessageEvent } from './to-turn.ts';
import type { UserDirectory } from './user-directory.ts';

/** What `enqueueMessage` uses. */
export interface EnqueueMessageContext {
  /** Where turns go. */
  sink: TurnSink;
  /** Web API client with the bot token (thread backfill, reset confirmations). */
  client: webApi.WebClient;
  /** Display names. */
  directory: UserDirectory;
  /** Names of channels linked without one (`<#C123>`). */
  channels?: ChannelDirectory;
  /** Logger. */
  logger: Logger;
  /** `SLACK_SESSION_SCOPE` (wording of reset confirmations). */
  sessionScope: SlackSessionScope | undefined;
  /** Sessions this process has already enqueued for: their thread history is known to the worker. */
  knownSessions: RecentSet;
  /** How long the queue may take before the event is refused (Slack then delivers it again). */
  enqueueTimeoutMs: number;
}

/** The `toTurn` options of one event, before names are known. */
export type TurnBase = Omit<
  EventToTurnOptions,
  'names' | 'channelNames' | 'authorIsAdmin' | 'fileInfo' | 'onIgnore'
>;

/** Most mentioned users whose names are looked up per message (the rest stay `@U123`). */
const MAX_NAME_LOOKUPS = 6;

/**
 * Completes a message's turn and queues it: names (and whether the author is a workspace admin) of the author
 * and mentioned people, names of linked channels, `files.info` of Slack Connect files, the earlier messages of
 * a thread Parley is called into for the first time, then (for `@bot reset`) a confirmation, sent without
 * waiting for it. A `note` (the channel the user is looking at) is appended to a message's text. Throws when the turn did not reach the queue within `enqueueTimeoutMs`.
 */
export async function enqueueMessage(
  event: SlackMessageEvent,
  draft: Turn,
  base: TurnBase,
  context: EnqueueMessageContext,
  note?: string,
): Promise<void> {
  const { client, logger } = context;
  const text = rawTextOf(event);
  const mentioned = mentionedUserIds(text).filter((id) => id !== base.botUserId);
  const [names, authorIsAdmin, channelNames, fileInfo] = await Promise.all([
    context.directory.names([draft.author.id, ...mentioned.slice(0, MAX_NAME_LOOKUPS)]),
    context.directory.isAdmin(draft.author.id),
    context.channels?.names(unnamedChannelIds(text).slice(0, MAX_NAME_LOOKUPS)),
    lookUpFileInfo(event.files, { client, logger }),
  ]);
  const turn = eventToTurn(event, { ...base, names, authorIsAdmin, channelNames, fileInfo }) ?? draft;
  if (note !== undefined && turn.kind === 'message')
    turn.text = turn.text === '' ? note : `${turn.text}\n\n${note}`;
  if (turn.kind === 'message' && isInExistingThread(event) && !context.knownSessions.has(turn.sessionId)) {
    const earlier = await fetchThreadContext({
      client,
      directory: context.directory,
      logger,
      channel: turn.target.channelId,
      threadTs: event.thread_ts as string,
      currentTs: event.ts as string,
      botUserId: base.botUserId,
      botId: base.botId,
    });
    if (earlier.length > 0) turn.context = earlier;
  }
  const result = await enqueueInTime(context.sink, turn, context.enqueueTimeoutMs);
  context.knownSessions.add(turn.sessionId);
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
  if (turn.kind === 'reset' && result.accepted) {
    // Not awaited: Slack's acknowledgement waits for this function, and the reset is queued already.
    void confirmReset(turn, event, {
      client,
      logger,
      botUserId: base.botUserId,
      sessionScope: context.sessionScope,
    }).catch((error: unknown) => logger.warn({ err: error }, 'could not confirm the reset'));
  }
}
