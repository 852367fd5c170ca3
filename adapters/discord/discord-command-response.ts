import {
  type APIAllowedMentions,
  DiscordAPIError,
  MessageFlags,
  type RawFile,
  type REST,
  type RESTPatchAPIWebhookWithTokenMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
  type RESTPostAPIWebhookWithTokenJSONBody,
  Routes,
} from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { CommandResponse } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { toPlatformError } from './discord-rest.ts';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from './split-message.ts';

/** Discord JSON error code for "Invalid Webhook Token": what an interaction token answers after 15 minutes. */
export const INVALID_WEBHOOK_TOKEN = 50027;

/** Shown when a command answered with no text: Discord refuses empty messages. */
const EMPTY_ANSWER = '_(nothing to show)_';

/** A command's answer names nobody: its text may quote a persona or summary containing mentions. */
const NO_MENTIONS: APIAllowedMentions = { parse: [] };

/**
 * Whether the interaction token can no longer be used: Discord answers 401 "Invalid Webhook Token" once its
 * 15 minutes are over, and 404 (unknown webhook or message) for a token it does not know or an original
 * reply that was never deferred or was dismissed.
 */
export function isInteractionGone(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return error.status === 404 || (error.status === 401 && error.code === INVALID_WEBHOOK_TOKEN);
}

function toRawFiles(file: CommandResponse['file']): RawFile[] | undefined {
  if (!file) return undefined;
  const contentType = file.name.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8';
  return [{ name: file.name, data: Buffer.from(file.content, 'utf8'), contentType }];
}

/** The parts, the first one starting with `prefix` and re-split so that it still fits. */
function prefixFirst(parts: string[], prefix: string): string[] {
  const [first, ...rest] = parts;
  if (first === undefined || prefix === '') return parts;
  const head = splitMessage(first, DISCORD_MESSAGE_LIMIT - prefix.length);
  return [`${prefix}${head[0] ?? ''}`, ...head.slice(1), ...rest];
}

/**
 * Answers a command to whoever ran it. With an interaction token (always, for Discord slash commands):
 * edits the deferred ephemeral reply with the first 2,000 characters and the attached file, and sends the
 * rest as ephemeral follow-ups. When the token has expired (the command waited more than 15 minutes in
 * the queue) or is missing, the answer is posted in the conversation instead, mentioning the invoker.
 */
export async function respondToInvoker(
  rest: REST,
  target: ReplyTarget,
  response: CommandResponse,
  logger: Logger,
): Promise<void> {
  const parts = splitMessage(response.text);
  if (parts.length === 0) parts.push(EMPTY_ANSWER);
  const { invoker } = target;
  let delivered = 0;
  if (invoker?.interactionToken && invoker.applicationId) {
    const { applicationId, interactionToken } = invoker;
    try {
      const files = toRawFiles(response.file);
      const edit: RESTPatchAPIWebhookWithTokenMessageJSONBody = {
        content: parts[0]!,
        allowed_mentions: NO_MENTIONS,
        ...(response.file ? { attachments: [{ id: '0', filename: response.file.name }] } : {}),
      };
      // Webhook routes authenticate with the token in the path, not the bot token.
      await rest.patch(Routes.webhookMessage(applicationId, interactionToken, '@original'), {
        auth: false,
        body: edit,
        ...(files ? { files } : {}),
      });
      delivered = 1;
      for (const part of parts.slice(1)) {
        const followUp: RESTPostAPIWebhookWithTokenJSONBody = {
          content: part,
          flags: MessageFlags.Ephemeral,
          allowed_mentions: NO_MENTIONS,
        };
        await rest.post(Routes.webhook(applicationId, interactionToken), {
          auth: false,
          body: followUp,
          query: new URLSearchParams({ wait: 'true' }),
        });
        delivered += 1;
      }
      logger.debug({ channelId: target.channelId, parts: parts.length }, 'discord command answered');
      return;
    } catch (error) {
      if (!isInteractionGone(error)) throw toPlatformError(error, 'answering a command');
      logger.warn(
        { err: toPlatformError(error, 'answering a command'), channelId: target.channelId },
        'discord interaction expired; answering the command in the channel',
      );
    }
  }
  await postInChannel(rest, target, parts.slice(delivered), delivered === 0 ? response.file : undefined);
  logger.debug({ channelId: target.channelId }, 'discord command answered in the channel');
}

/** Posts the answer in the conversation, pinging only the invoker. */
async function postInChannel(
  rest: REST,
  target: ReplyTarget,
  parts: string[],
  file: CommandResponse['file'],
): Promise<void> {
  const userId = target.invoker?.userId;
  const messages = prefixFirst(parts, userId ? `<@${userId}> ` : '');
  const allowedMentions: APIAllowedMentions = userId ? { parse: [], users: [userId] } : NO_MENTIONS;
  try {
    for (const [index, content] of messages.entries()) {
      const files = index === 0 ? toRawFiles(file) : undefined;
      const body: RESTPostAPIChannelMessageJSONBody = {
        content,
        allowed_mentions: allowedMentions,
        ...(files && file ? { attachments: [{ id: 0, filename: file.name }] } : {}),
      };
      await rest.post(Routes.channelMessages(target.channelId), { body, ...(files ? { files } : {}) });
    }
  } catch (error) {
    throw toPlatformError(error, 'posting a command answer');
  }
}
