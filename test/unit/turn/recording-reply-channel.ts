import type {
  CommandResponse,
  OpenReplyOptions,
  PostedMessage,
  ReplyChannel,
  ReplyDetails,
} from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';

/** A reply channel that records what a platform would show, and fails when told to. */
export interface RecordingReplyChannel extends ReplyChannel {
  /** Every reply opened, with its options. */
  readonly opened: Array<{ target: ReplyTarget; options: OpenReplyOptions }>;
  /** Every event of every reply, in order. */
  readonly events: Array<
    | { kind: 'working' }
    | { kind: 'update'; text: string }
    | { kind: 'finish'; text: string; details?: ReplyDetails }
  >;
  /** Private command answers, when the channel has `respond`. */
  readonly responses: CommandResponse[];
  /** Messages each `deleteReply` was asked to delete, when the channel has it. */
  readonly deleted: PostedMessage[][];
  /** Makes the next `count` finishes throw `error` (after recording them); by default a plain `platform down`. */
  failFinishes(count: number, error?: unknown): void;
  /** Makes the next `count` private answers throw `error`; by default a plain `response_url expired`. */
  failResponds(count: number, error?: unknown): void;
  /** Makes every working indicator throw. */
  failWorking(): void;
  /** The texts finished so far. */
  finishedTexts(): string[];
}

/**
 * Creates the channel; with `respond`, commands are answered privately. With `posts`, a finished reply reports
 * the message showing it (`m1`, `m2`, … in the target's channel; the previous ones when it edits them). With
 * `deletes`, the channel can delete replies.
 */
export function createRecordingReplyChannel(
  options: { respond?: boolean; posts?: boolean; deletes?: boolean } = {},
): RecordingReplyChannel {
  const opened: RecordingReplyChannel['opened'] = [];
  const events: RecordingReplyChannel['events'] = [];
  const responses: CommandResponse[] = [];
  const deleted: PostedMessage[][] = [];
  let postedCount = 0;
  let finishFailures = 0;
  let finishError: unknown;
  let respondFailures = 0;
  let respondError: unknown;
  let workingFails = false;
  const channel: RecordingReplyChannel = {
    platform: 'console',
    opened,
    events,
    responses,
    deleted,
    openReply(target, replyOptions) {
      opened.push({ target, options: replyOptions });
      return {
        async showWorking() {
          events.push({ kind: 'working' });
          if (workingFails) throw new Error('typing indicator down');
        },
        update(text) {
          events.push({ kind: 'update', text });
        },
        async finish(text, details) {
          events.push({ kind: 'finish', text, details });
          if (finishFailures > 0) {
            finishFailures -= 1;
            throw finishError ?? new Error('platform down');
          }
          if (!options.posts) return;
          if (replyOptions.previous.length > 0) return replyOptions.onPosted(replyOptions.previous);
          postedCount += 1;
          await replyOptions.onPosted([{ channelId: target.channelId, messageId: `m${postedCount}` }]);
        },
      };
    },
    failFinishes(count, error) {
      finishFailures = count;
      finishError = error;
    },
    failResponds(count, error) {
      respondFailures = count;
      respondError = error;
    },
    failWorking() {
      workingFails = true;
    },
    finishedTexts: () => events.flatMap((event) => (event.kind === 'finish' ? [event.text] : [])),
  };
  if (options.deletes) {
    channel.deleteReply = async (_target, posted) => {
      deleted.push(posted);
    };
  }
  if (options.respond) {
    channel.respond = async (_target, response) => {
      if (respondFailures > 0) {
        respondFailures -= 1;
        throw respondError ?? new Error('response_url expired');
      }
      responses.push(response);
    };
  }
  return channel;
}
