import type { Turn } from '../../src/turn/turn.ts';
import { isDirectMessageChannel, slackSessionId } from './slack-session-id.ts';
import { mentionsUser } from './slack-text.ts';
import { isAmendEvent, type SlackAmendEvent, toAmendTurn } from './to-amend-turn.ts';
import { type SlackMessageEvent, type ToTurnOptions, toTurn } from './to-turn.ts';

/** What converting any message event needs: `toTurn`'s options and the envelope's event id (edits, deletes). */
export type EventToTurnOptions = ToTurnOptions & { eventId: string | undefined };

/**
 * The turn of any message event Parley reads: a message (`toTurn`), or an edit or delete of one (`toAmendTurn`);
 * `null` when it makes none (the reason goes to `onIgnore`).
 */
export function eventToTurn(event: SlackMessageEvent, options: EventToTurnOptions): Turn | null {
  return isAmendEvent(event) ? toAmendTurn(event, options) : toTurn(event, options);
}

/** The text of a message event as Slack sent it: the new text of an edit, the message's own otherwise. */
export function rawTextOf(event: SlackMessageEvent): string {
  const inner = isAmendEvent(event) ? (event as SlackAmendEvent).message : event;
  const text = typeof inner === 'object' && inner !== null ? (inner as { text?: unknown }).text : undefined;
  return typeof text === 'string' ? text : '';
}

/** How a turn relates to the threads the bot follows (conversations named by their thread's session id). */
export interface FollowRole {
  /** The thread the turn starts or joins with a mention: followed from now on, before the turn is queued. */
  follow?: string;
  /** The thread the turn must be in for it to count: a follow-up, or an edit or delete in a channel. */
  requireFollowed?: string;
}

/** The thread a turn's answer goes to, named as its thread-scoped session (whatever `SLACK_SESSION_SCOPE` says). */
function threadOf(turn: Turn): string | undefined {
  const { workspaceId, channelId, threadId } = turn.target;
  if (threadId === undefined || workspaceId === undefined) return undefined;
  return slackSessionId({ team: workspaceId, channel: channelId, threadTs: threadId });
}

/**
 * What a turn does to the followed threads. A mention in a channel (or a group DM) starts or joins a thread, and
 * so does any message in a DM's thread; a follow-up counts only in a followed thread, and an edit or delete only
 * where the bot takes part (a followed thread, or any DM). The thread is named `slack:<team>:<channel>:<ts>` even
 * when the channel is the session (`SLACK_SESSION_SCOPE=channel`): the bot still follows only its threads.
 */
export function followRoleOf(event: SlackMessageEvent, turn: Turn, botUserId: string): FollowRole {
  const thread = threadOf(turn);
  const isDirectMessage = event.channel_type === 'im' || isDirectMessageChannel(turn.target.channelId);
  if (turn.kind === 'edit' || turn.kind === 'delete') {
    return isDirectMessage ? {} : { requireFollowed: thread ?? turn.sessionId };
  }
  if (thread === undefined) return {};
  if (isDirectMessage) return { follow: thread };
  const mentioned = event.type === 'app_mention' || mentionsUser(rawTextOf(event), botUserId);
  return mentioned ? { follow: thread } : { requireFollowed: thread };
}
