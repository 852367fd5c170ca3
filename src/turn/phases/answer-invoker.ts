import type { TurnJob } from '../../queue/turn-queue.ts';
import type { CommandResponse, ReplyChannel } from '../reply-channel.ts';
import { openTurnReply, type TurnReply } from './turn-dependencies.ts';

/**
 * Posting a command's answer to whoever ran it: privately where the platform can (`respond`); without a
 * private channel, in the conversation like a reply, a retry editing what the first attempt posted.
 */
export function answerInvoker(
  channel: ReplyChannel,
  job: TurnJob,
  response: CommandResponse,
  isError = false,
): (attempt: number) => Promise<void> {
  let reply: TurnReply | undefined;
  return async () => {
    if (channel.respond) return channel.respond(job.turn.target, response);
    if (reply) return reply.reopen().finish(response.text, { isError });
    reply = openTurnReply(channel, job);
    await reply.stream.finish(response.text, { isError });
  };
}
