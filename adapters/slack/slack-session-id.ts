import { parseSessionId, sessionId } from '../../src/turn/session-id.ts';

/** Where a Slack conversation lives: a workspace, a channel (or DM) and, for threads, the thread's root `ts`. */
export interface SlackConversation {
  /** Workspace (team) id, e.g. `T0123`. */
  team: string;
  /** Channel or DM channel id, e.g. `C0123` / `D0123`. */
  channel: string;
  /** Root `ts` of the thread; absent for a DM's top level or a channel as a whole. */
  threadTs?: string;
}

/**
 * Session ID of a Slack conversation: `slack:<team>:<channel>:<thread_ts>` for a thread (in a channel or a DM),
 * `slack:<team>:<channel>` for a DM's top level (and for a channel as a whole, the scope of `/reset` there).
 */
export function slackSessionId(conversation: SlackConversation): string {
  const { team, channel, threadTs } = conversation;
  return threadTs === undefined
    ? sessionId('slack', team, channel)
    : sessionId('slack', team, channel, threadTs);
}

/** The conversation a Slack session ID names; throws for IDs that are not Slack's. */
export function parseSlackSessionId(id: string): SlackConversation {
  const { platform, parts } = parseSessionId(id);
  const [team, channel, threadTs, ...rest] = parts;
  if (platform !== 'slack' || team === undefined || channel === undefined || rest.length > 0) {
    throw new Error(`not a Slack session ID: ${JSON.stringify(id)}`);
  }
  return threadTs === undefined ? { team, channel } : { team, channel, threadTs };
}

/** Whether a channel id is a direct message with the bot (Slack DM channel ids start with `D`). */
export function isDirectMessageChannel(channel: string): boolean {
  return channel.startsWith('D');
}

/** How channel messages are grouped: one conversation per thread (default) or one per channel. */
export type SlackSessionScope = 'thread' | 'channel';

/**
 * The conversation a user's message belongs to. In channels every mention is answered in a thread
 * (`thread_ts ?? ts`), and by default each thread is its own conversation; with the `channel` scope all of a
 * channel's threads share the channel's conversation. In a DM top-level messages share the DM session and a
 * thread is its own session (whatever the scope: a DM is already one person's conversation).
 */
export function conversationOf(message: {
  team: string;
  channel: string;
  ts: string;
  threadTs?: string;
  isDirectMessage: boolean;
  scope?: SlackSessionScope;
}): SlackConversation {
  const { team, channel, ts, threadTs, isDirectMessage } = message;
  if (isDirectMessage) return threadTs === undefined ? { team, channel } : { team, channel, threadTs };
  if (message.scope === 'channel') return { team, channel };
  return { team, channel, threadTs: threadTs ?? ts };
}

/**
 * The channel-level session whose persona, budget and `/forget` cover a conversation: the channel (or DM)
 * it is in — a thread's parent channel, a DM thread's DM, a channel or DM itself.
 */
export function slackScopeId(conversation: SlackConversation): string {
  return slackSessionId({ team: conversation.team, channel: conversation.channel });
}
