import type { ReplyTarget, Turn } from '../../src/turn/turn.ts';
import { nonEmptyString, SLACKBOT_USER_ID } from './read-message-event.ts';
import { isDirectMessageChannel, slackScopeId, slackSessionId } from './slack-session-id.ts';
import { slackTextToPlain } from './slack-text.ts';
import type { SlackMessageEvent, ToTurnOptions } from './to-turn.ts';
import { tsToMillis } from './to-turn.ts';

/** The fields of a `message_changed` / `message_deleted` event that Parley reads. Untrusted. */
export interface SlackAmendEvent extends SlackMessageEvent {
  /** `message_changed`: the message as it now reads. */
  message?: unknown;
  /** Both: the message as it read before. */
  previous_message?: unknown;
  /** `message_deleted`: the `ts` of the removed message. */
  deleted_ts?: unknown;
  event_ts?: unknown;
}

/** The subtypes of a person changing their own message. */
export const AMEND_SUBTYPES: ReadonlySet<string> = new Set(['message_changed', 'message_deleted']);

/** Whether a message event edits or deletes an earlier message. */
export function isAmendEvent(event: SlackMessageEvent): boolean {
  return AMEND_SUBTYPES.has(String(event.subtype));
}

const SAFE = /^[A-Za-z0-9._-]+$/;
const SLACK_TS = /^\d{1,12}(\.\d{1,9})?$/;

/** The message object inside an amend event, its fields checked. */
interface AmendedMessage {
  user: string | undefined;
  botId: string | undefined;
  subtype: string | undefined;
  ts: string | undefined;
  threadTs: string | undefined;
  text: string | undefined;
}

function readInner(value: unknown): AmendedMessage {
  const message = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return {
    user: nonEmptyString(message.user),
    botId: nonEmptyString(message.bot_id),
    subtype: nonEmptyString(message.subtype),
    ts: nonEmptyString(message.ts),
    threadTs: nonEmptyString(message.thread_ts),
    text: typeof message.text === 'string' ? message.text : undefined,
  };
}

/** Why the author of the changed message is not a person whose edits count, if so. */
function notAPerson(message: AmendedMessage, options: Pick<ToTurnOptions, 'botUserId' | 'botId'>) {
  if (message.user === options.botUserId || (message.botId && message.botId === options.botId))
    return 'own message changed';
  if (message.botId !== undefined || message.subtype === 'bot_message') return 'bot message changed';
  if (message.user === SLACKBOT_USER_ID) return 'slackbot message changed';
  return message.user === undefined ? 'changed message without author' : undefined;
}

/**
 * Converts a `message_changed` (the message now reads `event.message.text`) or `message_deleted` event into an
 * `edit` or `delete` turn of the session the message is in: a DM's top level, a DM thread, or a channel thread
 * (`thread_ts ?? ts`: a thread's root belongs to it). Whether the bot follows that channel thread is the
 * caller's check (`followRoleOf`). Ignored: changes of the bot's and other bots' messages (the bot's own
 * streaming edits among them), and a change that leaves the text as it was (Slack sends one when it unfurls
 * a link or a thread gets replies). The turn id carries the event id, so Slack's retries are one turn.
 */
export function toAmendTurn(
  event: SlackAmendEvent,
  options: ToTurnOptions & { eventId: string | undefined },
): Turn | null {
  const ignore = (reason: string): null => {
    options.onIgnore?.(reason);
    return null;
  };
  const isEdit = event.subtype === 'message_changed';
  const current = readInner(isEdit ? event.message : event.previous_message);
  const before = readInner(event.previous_message);
  const targetTs = isEdit ? current.ts : nonEmptyString(event.deleted_ts);
  const channel = nonEmptyString(event.channel);
  const team = options.team ?? nonEmptyString(event.team);
  const eventTs = nonEmptyString(event.event_ts) ?? nonEmptyString(event.ts);
  const unsafe = [channel, team, targetTs, eventTs].some((part) => part === undefined || !SAFE.test(part));
  if (unsafe || !SLACK_TS.test(targetTs!) || (current.threadTs && !SLACK_TS.test(current.threadTs)))
    return ignore('malformed amend event');
  const notPerson = notAPerson(current, options);
  if (notPerson) return ignore(notPerson);
  if (isEdit && current.text === undefined) return ignore('edit without text');
  if (isEdit && current.text === before.text) return ignore('text unchanged');

  const isDirectMessage = event.channel_type === 'im' || isDirectMessageChannel(channel!);
  const threadTs = isDirectMessage
    ? current.threadTs !== targetTs
      ? current.threadTs
      : undefined
    : (current.threadTs ?? targetTs);
  const inChannelScope = !isDirectMessage && options.sessionScope === 'channel';
  const conversation = { team: team!, channel: channel!, threadTs: inChannelScope ? undefined : threadTs };
  const target: ReplyTarget = {
    platform: 'slack',
    channelId: channel!,
    workspaceId: team!,
    replyToMessageId: targetTs,
  };
  if (threadTs !== undefined) target.threadId = threadTs;
  const names = { botUserId: options.botUserId, names: options.names, channelNames: options.channelNames };
  return {
    id: `${channel}:${targetTs}:${isEdit ? 'edit' : 'delete'}:${options.eventId ?? eventTs}`,
    sessionId: slackSessionId(conversation),
    kind: isEdit ? 'edit' : 'delete',
    messageRef: targetTs,
    targetRef: targetTs,
    scopeId: slackScopeId(conversation),
    author: {
      id: current.user!,
      name: options.names?.get(current.user!) ?? current.user!,
      isPlatformAdmin: options.authorIsAdmin === true,
    },
    text: isEdit ? slackTextToPlain(current.text!, names) : '',
    target,
    receivedAt: tsToMillis(eventTs!),
  };
}
