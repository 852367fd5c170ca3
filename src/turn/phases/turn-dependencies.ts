import type { TurnJob } from '../../queue/turn-queue.ts';
import type { PostedMessage, ReplyChannel, ReplyStream } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';
import type { TurnProcessorOptions } from '../turn-processor-options.ts';

/** `TURN_DEADLINE_MS`'s default: how long one run of a turn may take. */
export const DEFAULT_TURN_DEADLINE_MS = 120_000;

/** The processor's options with their defaults filled in: what every phase draws on. */
export interface TurnDependencies
  extends Omit<TurnProcessorOptions, 'now' | 'retryDelayMs' | 'turnDeadlineMs' | 'sleep'> {
  /** Clock, ms since epoch. */
  now: () => number;
  /** Delay after a failed model call or post (attempt 1, 2, …) before the next one. */
  retryDelayMs: (attempt: number) => number;
  /** Longest one run of a turn may take, ms. */
  turnDeadlineMs: number;
  /** Waits between retries. */
  sleep: (ms: number) => Promise<void>;
  /** Tokens the stored history may fill in a prompt: the context budget minus the reply's. */
  historyBudget: number;
}

/** Fills in the defaults once, when the processor is created. */
export function resolveTurnDependencies(options: TurnProcessorOptions): TurnDependencies {
  return {
    ...options,
    now: options.now ?? Date.now,
    retryDelayMs: options.retryDelayMs ?? ((attempt: number) => Math.min(8_000, 1_000 * 2 ** (attempt - 1))),
    turnDeadlineMs: options.turnDeadlineMs ?? DEFAULT_TURN_DEADLINE_MS,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    historyBudget: options.prompt.maxContextTokens - options.prompt.maxReplyTokens,
  };
}

/** The sending side of the turn's platform; a worker without one cannot settle the turn, so this throws. */
export function replyChannelFor(deps: Pick<TurnDependencies, 'replyChannels'>, turn: Turn): ReplyChannel {
  const channel = deps.replyChannels[turn.target.platform];
  if (!channel) throw new Error(`no reply channel for platform ${turn.target.platform}`);
  return channel;
}

/** One turn's reply: the stream it is written into, and a fresh stream over the messages it posted so far. */
export interface TurnReply {
  /** The reply as first opened: shows the working indicator and the streamed text. */
  stream: ReplyStream;
  /** Opens the reply again over what it has posted so far, to retry a failed `finish` (edits, no reposts). */
  reopen(): ReplyStream;
  /** The platform messages showing the reply so far, as the channel last reported them. */
  posted(): PostedMessage[];
}

/**
 * Starts the job's reply, editing whatever an interrupted earlier run of the same turn already posted — or
 * `previous`, the messages of an earlier reply this one replaces (an edited question answered again in place).
 * The messages posted during this run are tracked too, so a retried delivery edits them instead of reposting.
 */
export function openTurnReply(
  channel: ReplyChannel,
  job: TurnJob,
  previous: PostedMessage[] = job.previousReplies,
): TurnReply {
  let posted: PostedMessage[] = previous;
  const open = () =>
    channel.openReply(job.turn.target, {
      previous: posted,
      onPosted: async (list) => {
        posted = list;
        await job.recordReplies(list);
      },
      // Only a message turn's run listens for Stop (`runMessageTurn`).
      ...(job.turn.kind === 'message'
        ? { stoppable: { turnId: job.turn.id, askerId: job.turn.author.id } }
        : {}),
    });
  return { stream: open(), reopen: open, posted: () => posted };
}
