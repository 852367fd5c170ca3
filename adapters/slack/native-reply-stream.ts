import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import type {
  OpenReplyOptions,
  PostedMessage,
  ReplyDetails,
  ReplyStream,
} from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { createDeferredIndicator } from '../shared/deferred-indicator.ts';
import { createLatestThrottle } from '../shared/latest-throttle.ts';
import { type ReplyStreamShared, showThinkingStatus } from './show-thinking-status.ts';
import { showToolStatus } from './show-tool-status.ts';
import { slackErrorCode } from './slack-errors.ts';
import { EMPTY_REPLY_TEXT } from './slack-reply-stream.ts';
import { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';
import { type StopControl, showStopControl } from './stop-control.ts';
import {
  type StreamedMessage,
  startNativeStream,
  withoutBroadcasts,
  writeStreamedMessage,
} from './write-streamed-message.ts';

/** Error codes after which `chat.startStream` will not work for this app at all: later replies edit instead. */
const STREAMING_UNAVAILABLE = new Set([
  'unknown_method',
  'missing_scope',
  'not_allowed_token_type',
  'method_deprecated',
  'no_permission',
  'feature_not_enabled',
]);

/** Options of `createNativeReplyStream`. */
export interface NativeReplyStreamOptions extends OpenReplyOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Where the reply goes: a thread (Slack streams only there). */
  target: ReplyTarget & { threadId: string };
  /** Logger. */
  logger: Logger;
  /** State shared by all replies of one channel object. */
  shared: ReplyStreamShared;
  /** The workspace budget of `chat.appendStream` and `chat.update`. */
  limiter: RateLimiter;
  /** Minimum time between two appends. */
  editIntervalMs: number;
  /** Most characters per message. */
  messageLimit?: number;
  /** Post broadcasts of the model's text as real pings; default: as plain text. */
  allowBroadcastMentions?: boolean;
  /** The post-and-edit reply to fall back to when Slack refuses to start a stream. */
  fallback: () => ReplyStream;
  /** Blocks under the last message of the final answer (feedback buttons), if any. */
  finalBlocks?: (details: ReplyDetails | undefined) => unknown[] | undefined;
  /** How long the model may take before "thinking…" is shown (default 0: at once, awaited). */
  statusDelayMs?: number;
  /** How long an answer streams before its Stop message is posted (default `STOP_CONTROL_DELAY_MS`). */
  stopDelayMs?: number;
}

/** Default of `stopDelayMs`. */
export const STOP_CONTROL_DELAY_MS = 1_000;

/**
 * One reply streamed with Slack's native streaming: `chat.startStream`, then `chat.appendStream` with what
 * the model added (throttled, within the workspace budget), `chat.stopStream` with the rest. A long answer
 * rolls over into a new message before Slack's length limit, code fences closed and reopened as when splitting
 * (`splitMessage`). Text that no longer extends what a message shows (a retried model call writing anew) is
 * written with `chat.update` instead. When Slack refuses the first `startStream`, the reply continues as
 * post-and-edit (`fallback`); a refusal that will not change is remembered in `shared`.
 */
export function createNativeReplyStream(options: NativeReplyStreamOptions): ReplyStream {
  const { client, target, logger, shared, limiter } = options;
  const limit = options.messageLimit ?? SLACK_MESSAGE_LIMIT;
  const workspace = target.workspaceId ?? target.channelId;
  const writeContext = { client, channel: target.channelId, limiter, workspace };
  const streamed: StreamedMessage[] = [];
  let fallback: ReplyStream | undefined;
  let finished = false;
  // The Stop message comes only once the answer has streamed for a while: a short answer is over before anyone
  // could click, and would only flash a message (two Web API calls) in the thread. `finish` clears the timer.
  let stopTimer: NodeJS.Timeout | undefined;
  let stopControl: Promise<StopControl | undefined> | undefined;
  const showStopLater = () => {
    stopTimer = setTimeout(() => {
      if (!finished) stopControl = showStopControl(client, target, options.stoppable, { logger, limiter });
    }, options.stopDelayMs ?? STOP_CONTROL_DELAY_MS);
  };
  const prepare = (markdown: string) => withoutBroadcasts(markdown, options.allowBroadcastMentions);
  const record = () => options.onPosted(streamed.map((message) => postedOf(target, message)));

  /** Starts message `index`; false when Slack refused the very first one (the reply falls back). */
  const start = async (text: string): Promise<boolean> => {
    try {
      streamed.push({ ts: await startNativeStream(client, target, text), sent: text, open: true });
      await record();
      if (streamed.length === 1 && !finished) showStopLater();
      return true;
    } catch (error) {
      if (streamed.length > 0) throw error;
      noteRefusal(error, shared, logger, target.channelId);
      fallback = options.fallback();
      return false;
    }
  };

  /** Makes streamed message `index` show `text`, closing its stream when `close` (with `blocks` under it). */
  const write = async (index: number, text: string, close: boolean, blocks?: unknown[]): Promise<void> => {
    const message = streamed[index];
    if (message === undefined) {
      if (!(await start(text))) return;
      if (close) await write(index, text, true, blocks);
      return;
    }
    await writeStreamedMessage(writeContext, message, text, close, blocks);
  };

  /** Writes the whole text so far: every part but the last is complete (its stream closed). */
  const sync = async (markdown: string, final: boolean, blocks?: unknown[]): Promise<void> => {
    const parts = splitMessage(prepare(markdown), limit);
    for (const [index, part] of parts.entries()) {
      if (fallback) return;
      const last = index === parts.length - 1;
      await write(index, part, !last || final, last ? blocks : undefined);
    }
  };

  const working = createDeferredIndicator(
    async () => {
      await showThinkingStatus(client, target, shared, logger);
    },
    options.statusDelayMs ?? 0,
    () => {}, // showThinkingStatus logs and never throws
  );

  const throttle = createLatestThrottle<string>({
    intervalMs: options.editIntervalMs,
    send: async (textSoFar) => {
      await working.settle();
      if (finished) return;
      if (!fallback) await sync(textSoFar, false);
      // Not `else`: this sync's first start may have been the refused one.
      if (fallback) fallback.update(textSoFar);
    },
    onError: (error) => logger.warn({ err: error, channel: target.channelId }, 'streaming append failed'),
  });

  return {
    showWorking: () => working.start(),
    async showToolUse(names) {
      // A "thinking…" still to come would replace the tools' status.
      await working.settle();
      await showToolStatus(client, target, shared, names, logger);
    },
    update(textSoFar) {
      if (finished || textSoFar.trim() === '') return;
      throttle.push(textSoFar);
    },
    async finish(text, details) {
      finished = true;
      await throttle.settle();
      await working.settle();
      const final = text.trim() === '' ? EMPTY_REPLY_TEXT : text;
      const blocks = options.finalBlocks?.(details);
      if (!fallback) await sync(final, true, blocks);
      // Not `else`: the first start of this sync may itself have been refused.
      if (fallback) await fallback.finish(final, details);
      clearTimeout(stopTimer);
      await (await stopControl)?.remove();
    },
  };
}

function postedOf(target: ReplyTarget, message: StreamedMessage): PostedMessage {
  return { channelId: target.channelId, messageId: message.ts };
}

/** Logs a refused `chat.startStream`; one that will not change is remembered, so later replies edit at once. */
function noteRefusal(error: unknown, shared: ReplyStreamShared, logger: Logger, channel: string): void {
  const code = slackErrorCode(error);
  if (code !== undefined && STREAMING_UNAVAILABLE.has(code)) shared.nativeStreamingAvailable = false;
  logger.info({ code, channel }, 'Slack refused to stream natively; editing instead');
}
