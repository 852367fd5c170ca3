import { sessionId } from '../../src/turn/session-id.ts';
import type { Turn } from '../../src/turn/turn.ts';
import type { MessageHandlerContext } from './handle-message.ts';
import {
  type ChangedMessageSession,
  changeIds,
  deleteToTurn,
  editToTurn,
  type RawMessageChange,
} from './message-change-to-turn.ts';
import { replyTargetOf, scopeSessionId } from './to-turn.ts';

/** A gateway packet as discord.js emits it on `raw`. */
export interface RawPacket {
  /** Dispatch name, e.g. `MESSAGE_UPDATE`. */
  t?: string | null;
  /** Its payload. */
  d?: unknown;
}

/**
 * Turns an edit or delete of a person's message into an `edit` or `delete` turn of the conversation it was
 * in — a DM, or a channel or thread the bot follows (elsewhere the bot never saw the message). It reads the raw
 * gateway payload: with no message cache, discord.js would only emit these events with `Partials.Message`,
 * and only for channels it has cached, which a DM is not after a restart; the payload names all a turn needs.
 */
export async function handleMessageChange(packet: RawPacket, context: MessageHandlerContext): Promise<void> {
  if (packet.t !== 'MESSAGE_UPDATE' && packet.t !== 'MESSAGE_DELETE') return;
  const botUserId = context.client.user?.id;
  const data = packet.d as RawMessageChange | null | undefined;
  if (!botUserId || typeof data !== 'object' || data === null) return;
  const candidates = candidateSessions(data, context);
  const toTurn = (session: ChangedMessageSession): Turn | null =>
    packet.t === 'MESSAGE_UPDATE'
      ? editToTurn(data, botUserId, session)
      : deleteToTurn(data, session, Date.now());
  // Settle what can be told without a lookup (bots' edits, updates that are no edits, unreadable text) first.
  if (candidates.length === 0 || !toTurn(candidates[0]!)) return;
  const session = await followedSession(candidates, context);
  const turn = session && toTurn(session);
  if (!turn) return;
  const result = await context.sink.enqueue(turn);
  context.logger.debug(
    { sessionId: turn.sessionId, turnId: turn.id, kind: turn.kind, accepted: result.accepted },
    'discord turn queued',
  );
}

/**
 * Where a changed message may be remembered, most specific first: in a guild channel with `replyInThread`,
 * the thread the bot started on it (which has the message's id), then the channel or thread it is in.
 */
function candidateSessions(data: RawMessageChange, context: MessageHandlerContext): ChangedMessageSession[] {
  const ids = changeIds(data);
  if (!ids) return [];
  const { messageId, channelId, guildId } = ids;
  const channel = context.client.channels.cache.get(channelId) ?? null;
  const inThread = channel?.isThread() === true;
  const own: ChangedMessageSession = {
    sessionId: sessionId('discord', guildId ?? 'dm', channelId),
    scopeId: scopeSessionId(guildId, channelId, channel),
    target: replyTargetOf(guildId, channelId, messageId, inThread),
  };
  if (guildId === null || inThread || !context.config.replyInThread) return [own];
  const startedOnIt: ChangedMessageSession = {
    sessionId: sessionId('discord', guildId, messageId),
    scopeId: own.sessionId,
    target: { platform: 'discord', channelId: messageId, threadId: messageId, workspaceId: guildId },
  };
  return [startedOnIt, own];
}

/** The first candidate the bot takes part in; a DM always counts. */
async function followedSession(
  candidates: ChangedMessageSession[],
  context: MessageHandlerContext,
): Promise<ChangedMessageSession | undefined> {
  for (const candidate of candidates) {
    if (candidate.target.workspaceId === undefined) return candidate;
    if (await context.followed?.isFollowed(candidate.sessionId)) return candidate;
  }
  return undefined;
}
