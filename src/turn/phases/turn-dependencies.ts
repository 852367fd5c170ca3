import type { TurnJob } from '../../queue/turn-queue.ts';
import type { ReplyChannel, ReplyStream } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';
import type { TurnProcessorOptions } from '../turn-processor-options.ts';

/** The processor's options with their defaults filled in: what every phase draws on. */
export interface TurnDependencies extends Omit<TurnProcessorOptions, 'now' | 'retryDelayMs'> {
  /** Clock, ms since epoch. */
  now: () => number;
  /** Delay after a failed model attempt (1, 2, …) before the next one. */
  retryDelayMs: (attempt: number) => number;
  /** Tokens the stored history may fill in a prompt: the context budget minus the reply's. */
  historyBudget: number;
}

/** Fills in the defaults once, when the processor is created. */
export function resolveTurnDependencies(options: TurnProcessorOptions): TurnDependencies {
  return {
    ...options,
    now: options.now ?? Date.now,
    retryDelayMs: options.retryDelayMs ?? ((attempt: number) => Math.min(8_000, 1_000 * 2 ** (attempt - 1))),
    historyBudget: options.prompt.maxContextTokens - options.prompt.maxReplyTokens,
  };
}

/** The sending side of the turn's platform; a worker without one cannot settle the turn, so this throws. */
export function replyChannelFor(deps: Pick<TurnDependencies, 'replyChannels'>, turn: Turn): ReplyChannel {
  const channel = deps.replyChannels[turn.target.platform];
  if (!channel) throw new Error(`no reply channel for platform ${turn.target.platform}`);
  return channel;
}

/** Starts the job's reply, editing whatever an interrupted earlier run of the same turn already posted. */
export function openReplyStream(channel: ReplyChannel, job: TurnJob): ReplyStream {
  return channel.openReply(job.turn.target, { previous: job.previousReplies, onPosted: job.recordReplies });
}
