import type { webApi } from '@slack/bolt';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { broadcastAsText } from './markdown-to-mrkdwn.ts';
import { callSlack } from './slack-errors.ts';
import { isDirectMessageChannel } from './slack-session-id.ts';

/** One natively streamed message: what it shows so far and whether its stream is still open. */
export interface StreamedMessage {
  /** Its `ts`. */
  ts: string;
  /** The text it shows. */
  sent: string;
  /** Whether its stream is still open. */
  open: boolean;
}

/** What writing a streamed message draws on. */
export interface StreamedWriteContext {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** The message's channel. */
  channel: string;
  /** The workspace budget of `chat.appendStream` and `chat.update`. */
  limiter: RateLimiter;
  /** The budget's key (the workspace). */
  workspace: string;
}

/**
 * Makes a started message show `text`: appends what was added, or with `close` stops its stream with the rest
 * (and `blocks` under it). Text that no longer extends what the message shows (a retried model call writing
 * anew) waits until the answer is final, then the stream is stopped and the message rewritten by `chat.update`.
 */
export async function writeStreamedMessage(
  context: StreamedWriteContext,
  message: StreamedMessage,
  text: string,
  close: boolean,
  blocks?: unknown[],
): Promise<void> {
  const { client, channel, limiter, workspace } = context;
  const withBlocks = blocks ? { blocks: blocks as never } : {};
  if (message.open && text.startsWith(message.sent)) {
    const delta = text.slice(message.sent.length);
    if (close) {
      await callSlack('chat.stopStream', () =>
        client.chat.stopStream({
          channel,
          ts: message.ts,
          ...(delta ? { markdown_text: delta } : {}),
          ...withBlocks,
        }),
      );
      message.open = false;
    } else if (delta !== '') {
      // A streaming step never queues behind the budget: spent, it is skipped, and the next step (or the stop)
      // carries its text. Only the final write waits, so many streams slow their steps, not their answers.
      if (!(await limiter.tryAcquire(workspace))) return;
      await callSlack('chat.appendStream', () =>
        client.chat.appendStream({ channel, ts: message.ts, markdown_text: delta }),
      );
    }
    message.sent = text;
    return;
  }
  if (!close && message.open) return;
  if (message.open) {
    await callSlack('chat.stopStream', () => client.chat.stopStream({ channel, ts: message.ts }));
    message.open = false;
  }
  if (message.sent === text && !blocks) return;
  await limiter.acquire(workspace);
  await callSlack('chat.update', () =>
    client.chat.update({ channel, ts: message.ts, markdown_text: text, ...withBlocks }),
  );
  message.sent = text;
}

/**
 * Starts a native stream in the target's thread showing `text`; resolves to the new message's `ts`. Outside a DM
 * Slack streams to one person (`recipient_user_id`, `recipient_team_id`: the asker), and refuses without them.
 */
export async function startNativeStream(
  client: webApi.WebClient,
  target: ReplyTarget & { threadId: string },
  text: string,
): Promise<string> {
  const { recipient } = target;
  const addressed =
    !isDirectMessageChannel(target.channelId) && recipient?.teamId !== undefined
      ? { recipient_user_id: recipient.userId, recipient_team_id: recipient.teamId }
      : {};
  const result = await client.chat.startStream({
    channel: target.channelId,
    thread_ts: target.threadId,
    markdown_text: text,
    ...addressed,
  });
  if (typeof result.ts !== 'string') throw new Error('chat.startStream answered without a ts');
  return result.ts;
}

/** Markdown with broadcasts (`<!here>`, `<!channel>`, user groups) as plain text unless they are allowed. */
export function withoutBroadcasts(markdown: string, allowed: boolean | undefined): string {
  return allowed ? markdown : markdown.replace(/<!(?!date\^)[^>]*>/g, broadcastAsText);
}
