import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import { slackTextToPlain } from './slack-text.ts';

/** Most recent messages of the viewed channel told to the model. */
const RECENT_MESSAGES = 8;
/** Longest excerpt of one such message. */
const EXCERPT_CHARS = 300;

/**
 * What the model is told about the channel the user is looking at beside the assistant pane: its name and its
 * latest messages. Only for a channel the bot is a member of (`conversations.info` says `is_member`): the bot
 * must not reveal a channel to which it was never invited, even to someone who can see it. `undefined` when
 * there is nothing it may tell (a DM, a channel it is not in, a lookup that failed).
 */
export async function describeViewedChannel(
  client: webApi.WebClient,
  channelId: string,
  lookups: { logger: Logger; names?: (ids: string[]) => Promise<ReadonlyMap<string, string>> },
): Promise<string | undefined> {
  const { logger } = lookups;
  if (!/^[CG][A-Z0-9]+$/.test(channelId)) return undefined;
  try {
    const info = await client.conversations.info({ channel: channelId });
    const channel = info.channel as { name?: unknown; is_member?: unknown } | undefined;
    if (channel?.is_member !== true || typeof channel.name !== 'string') return undefined;
    const history = await client.conversations.history({ channel: channelId, limit: RECENT_MESSAGES });
    const messages = (history.messages ?? [])
      .filter((message) => typeof message.text === 'string' && message.text.trim() !== '' && !message.subtype)
      .reverse();
    const ids = [...new Set(messages.flatMap((message) => (message.user ? [message.user] : [])))];
    const names = (await lookups.names?.(ids)) ?? new Map<string, string>();
    const lines = messages.map((message) => {
      const who = (message.user && names.get(message.user)) ?? message.user ?? 'a bot';
      return `- ${who}: ${excerpt(message.text!)}`;
    });
    const recent = lines.length > 0 ? ` Its latest messages:\n${lines.join('\n')}` : '';
    return `(Slack: the user is looking at #${channel.name}.${recent})`;
  } catch (error) {
    logger.debug(
      { err: error, channelId },
      'could not read the viewed channel; the model is not told about it',
    );
    return undefined;
  }
}

function excerpt(text: string): string {
  const plain = slackTextToPlain(text).replace(/\s+/g, ' ').trim();
  return plain.length <= EXCERPT_CHARS ? plain : `${plain.slice(0, EXCERPT_CHARS - 1)}…`;
}
