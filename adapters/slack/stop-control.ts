import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import type { StoppableTurn } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';

/** `action_id` of the Stop button shown while an answer streams. */
export const STOP_ACTION_ID = 'parley_stop';

/** What a Stop button names: the turn whose answer it stops and the person who asked. */
export interface StopRequest {
  /** The turn's id, `<channel>:<ts>` of the question. */
  turnId: string;
  /** The asker's user id: only they (or an admin) may stop the answer. */
  askerId: string;
}

const STOP_VALUE = /^([A-Z0-9]+:\d+\.\d+):([UW][A-Z0-9]+)$/;

/**
 * The Stop button's value for the answer to `turn`: `<channel>:<ts>:<asker>`, the turn's id and who asked.
 * `undefined` when nothing can stop the answer (not a message turn) or the ids are not Slack's (a bot asked).
 */
export function stopValueOf(turn: StoppableTurn | undefined): string | undefined {
  if (turn === undefined) return undefined;
  const value = `${turn.turnId}:${turn.askerId}`;
  return STOP_VALUE.test(value) ? value : undefined;
}

/** Reads a Stop button's value; `undefined` for anything Parley did not put there. */
export function readStopValue(value: unknown): StopRequest | undefined {
  if (typeof value !== 'string') return undefined;
  const match = STOP_VALUE.exec(value);
  return match ? { turnId: match[1]!, askerId: match[2]! } : undefined;
}

/** The `actions` block with the Stop button of the answer to `turn`, or `undefined` when it cannot have one. */
export function stopBlock(turn: StoppableTurn | undefined): Record<string, unknown> | undefined {
  const value = stopValueOf(turn);
  if (value === undefined) return undefined;
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: STOP_ACTION_ID,
        text: { type: 'plain_text', text: 'Stop' },
        style: 'danger',
        value,
      },
    ],
  };
}

/** The Stop button of one natively streamed answer: a small message under it, removed when the answer is done. */
export interface StopControl {
  /** Removes the button (the answer is final, or was stopped). */
  remove(): Promise<void>;
}

/**
 * Posts the Stop button for the answer to `turn` being streamed at `target` (see `stopBlock`). A native stream
 * cannot carry buttons until it stops, so the button is its own message; failing to show it never fails the
 * answer.
 */
export async function showStopControl(
  client: webApi.WebClient,
  target: ReplyTarget & { threadId: string },
  turn: StoppableTurn | undefined,
  deps: { logger: Logger; limiter: RateLimiter },
): Promise<StopControl | undefined> {
  const block = stopBlock(turn);
  if (block === undefined) return undefined;
  try {
    const posted = await client.chat.postMessage({
      channel: target.channelId,
      thread_ts: target.threadId,
      text: 'Writing an answer…',
      blocks: [block as never],
    });
    const ts = posted.ts;
    if (typeof ts !== 'string') return undefined;
    return {
      async remove() {
        await deps.limiter.acquire(target.workspaceId ?? target.channelId);
        await client.chat
          .delete({ channel: target.channelId, ts })
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, ts }, 'could not remove the Stop button'),
          );
      },
    };
  } catch (error) {
    deps.logger.warn({ err: error, channel: target.channelId }, 'could not show the Stop button');
    return undefined;
  }
}
