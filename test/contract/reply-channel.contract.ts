import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostedMessage, ReplyChannel } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  CODE_LINE,
  codeOutsideFences,
  fenceCount,
  fencedBlock,
  paragraphs,
  prose,
  substance,
} from './reply-texts.ts';

/** One message of the bot as a user sees it in the conversation. */
export interface VisibleMessage {
  /** Stable identity of the message (Slack `ts`, Discord snowflake, the console's reply number). */
  id: string;
  /** Its text as shown now, after every edit. */
  text: string;
}

/** Where platforms legitimately differ; the suite asserts each platform's side of the difference. */
export interface ReplyChannelCapabilities {
  /**
   * Whether posted messages can be changed: `onPosted` reports them and a re-run edits (or removes) the
   * `previous` ones. Without it (the console) every attempt is appended and nothing is reported.
   */
  edits: boolean;
  /** Most characters in one message; `undefined` when a reply is never split (the console). */
  messageLimit: number | undefined;
  /** What an empty answer shows instead; `undefined` when it is shown as it is (the console). */
  emptyReplyText: string | undefined;
  /** Whether the platform rate-limits posts, so a 429 can be injected (not the console). */
  rateLimits: boolean;
  /**
   * How the platform shows a finished answer's text, when not as written (the terminal renders Markdown: fences
   * and surrounding blank space go); the answers it is held against go through it.
   */
  shown?: (text: string) => string;
  /**
   * Whether a reply's streamed, unfinished text is replaced by what follows even without `edits` (the terminal
   * erases it): an error after a partial answer then replaces it.
   */
  replacesUnfinished?: boolean;
}

/** A rate limit armed on the platform's fake. */
export interface ArmedRateLimit {
  /** The wait the 429 asked for (`Retry-After`), in ms. */
  retryAfterMs: number;
  /** How many 429s the fake has answered so far. */
  served(): number;
}

/** A reply channel wired to its platform (a fake speaking the real protocol), and a view of what users see. */
export interface ReplyChannelHarness {
  /** The channel under test, built by the platform's real factory. */
  channel: ReplyChannel;
  /** A conversation nobody has written in yet. */
  newConversation(): ReplyTarget;
  /** The bot's messages currently visible in the conversation, oldest first (removed ones left out). */
  visible(target: ReplyTarget): VisibleMessage[];
  /** Makes the next post of a message answer 429 with `Retry-After` once (required with `rateLimits`). */
  rateLimitNextPost?(): ArmedRateLimit;
  /** Stops the fake and whatever else the harness started. */
  dispose(): Promise<void>;
}

/** A platform under test: what differs on it, and how to start a fresh harness for one test. */
export interface ReplyChannelHarnessFactory {
  /** Known before any test runs, so each platform gets the cases that describe it. */
  capabilities: ReplyChannelCapabilities;
  /** Starts a fresh harness (its own fake and channel); the suite disposes of it after the test. */
  start(): Promise<ReplyChannelHarness>;
}

/** What `onPosted` was told, in order, as the queue would record it. */
function postedRecorder(previous: PostedMessage[] = []) {
  const records: PostedMessage[][] = [];
  return {
    records,
    options: { previous, onPosted: async (posted: PostedMessage[]) => void records.push(posted) },
    /** What a re-run would be given as `previous`: the latest report, else what this run was given. */
    last: (): PostedMessage[] => records.at(-1) ?? previous,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const texts = (messages: VisibleMessage[]) => messages.map((message) => message.text);
const ids = (messages: VisibleMessage[]) => messages.map((message) => message.id);

/** The behaviour every `ReplyChannel` must have, run against each platform. */
export function replyChannelContract(name: string, factory: ReplyChannelHarnessFactory): void {
  const { capabilities } = factory;
  const { edits, messageLimit, emptyReplyText } = capabilities;
  const shown = capabilities.shown ?? ((text: string) => text);

  describe(`ReplyChannel contract: ${name}`, () => {
    let harness: ReplyChannelHarness;
    beforeEach(async () => {
      harness = await factory.start();
    });
    afterEach(async () => {
      await harness.dispose();
    });

    /** A reply of about `messages` times the limit (a few screens of prose where nothing splits). */
    const longReply = (seed: string, messages: number): string => {
      const size = (messageLimit ?? 1_500) * messages;
      return paragraphs(prose(`${seed}a`, size / 2), prose(`${seed}b`, size / 2));
    };

    /**
     * `onPosted` reported exactly the visible messages (where posts are tracked) or was never called (where
     * they are not): a re-run is handed what the user actually sees.
     */
    const expectReported = (recorder: ReturnType<typeof postedRecorder>, target: ReplyTarget) => {
      if (edits) {
        expect(recorder.last().map((posted) => posted.messageId)).toEqual(ids(harness.visible(target)));
      } else {
        expect(recorder.records).toEqual([]);
      }
    };

    /** Starts a reply that shows `text` and is then abandoned, as by a worker that died. */
    const interruptedAttempt = async (target: ReplyTarget, text: string) => {
      const attempt = postedRecorder();
      harness.channel.openReply(target, attempt.options).update(text);
      // Where posts are tracked, also wait for the report: it follows the post's answer.
      const shown = await waitFor(`the interrupted attempt to show "${text}"`, () => {
        const message = harness.visible(target).at(0);
        const reported = !edits || attempt.records.length > 0;
        return message?.text === text && reported ? message : undefined;
      });
      return { shown, posted: attempt.last() };
    };

    describe('posting', () => {
      it('posts a reply as one message in its conversation', async () => {
        const target = harness.newConversation();
        const posted = postedRecorder();
        const reply = harness.channel.openReply(target, posted.options);
        await reply.showWorking();
        await reply.finish('Hello from Parley.');
        expect(texts(harness.visible(target))).toEqual(['Hello from Parley.']);
        expectReported(posted, target);
      });

      it('streams: the text grows in one message and settles on the whole answer, posted once', async () => {
        const target = harness.newConversation();
        const posted = postedRecorder();
        const reply = harness.channel.openReply(target, posted.options);
        await reply.showWorking();
        const words = Array.from({ length: 40 }, (_, index) => `word${index}`);
        const answer = words.join(' ');
        const upTo = (count: number) => words.slice(0, count).join(' ');
        reply.update(upTo(1));
        const first = await waitFor('the first streamed text', () => {
          const shown = harness.visible(target);
          return shown.length === 1 && shown[0]!.text !== '' ? shown[0]! : undefined;
        });
        expect(first.text).toBe('word0');
        for (let count = 2; count < words.length; count++) {
          reply.update(upTo(count));
          await sleep(5);
        }
        const grown = await waitFor('the streamed text to grow', () => {
          const shown = harness.visible(target);
          return shown.length === 1 && shown[0]!.text.length > first.text.length ? shown[0]! : undefined;
        });
        expect(grown.id).toBe(first.id);
        expect(answer.startsWith(grown.text)).toBe(true);
        await reply.finish(answer);
        expect(harness.visible(target)).toEqual([{ id: first.id, text: answer }]);
        expectReported(posted, target);
      });
    });

    describe('re-runs', () => {
      if (edits) {
        it('edits the message an interrupted attempt posted instead of posting again', async () => {
          const target = harness.newConversation();
          const interrupted = await interruptedAttempt(target, 'Half an ans');
          expect(interrupted.posted).toEqual([
            { channelId: expect.any(String), messageId: interrupted.shown.id },
          ]);
          const rerun = postedRecorder(interrupted.posted);
          const reply = harness.channel.openReply(target, rerun.options);
          await reply.showWorking();
          reply.update('The whole');
          await reply.finish('The whole answer, written again.');
          expect(harness.visible(target)).toEqual([
            { id: interrupted.shown.id, text: 'The whole answer, written again.' },
          ]);
          expectReported(rerun, target);
        });

        it('edits every message of an earlier long reply in place, posting none again', async () => {
          const target = harness.newConversation();
          const first = postedRecorder();
          await harness.channel.openReply(target, first.options).finish(longReply('old', 2.5));
          const before = harness.visible(target);
          expect(before.length).toBeGreaterThanOrEqual(3);

          const answer = longReply('new', 2.5);
          const rerun = postedRecorder(first.last());
          await harness.channel.openReply(target, rerun.options).finish(answer);
          const after = harness.visible(target);
          expect(ids(after)).toEqual(ids(before));
          expect(texts(after).join('\n')).not.toContain('old');
          expect(substance(texts(after).join('\n'))).toBe(substance(answer));
          expectReported(rerun, target);
        });

        it('shrinks: a shorter re-run edits the first message and removes the rest', async () => {
          const target = harness.newConversation();
          const first = postedRecorder();
          await harness.channel.openReply(target, first.options).finish(longReply('long', 2.5));
          const before = harness.visible(target);
          expect(before.length).toBeGreaterThanOrEqual(3);

          const rerun = postedRecorder(first.last());
          await harness.channel.openReply(target, rerun.options).finish('Short answer this time.');
          expect(harness.visible(target)).toEqual([{ id: before[0]!.id, text: 'Short answer this time.' }]);
          expectReported(rerun, target);
        });
      } else {
        it('appends a re-run after the interrupted text, which stays (nothing can be edited)', async () => {
          const target = harness.newConversation();
          const interrupted = await interruptedAttempt(target, 'Half an ans');
          expect(interrupted.posted).toEqual([]);
          const rerun = postedRecorder(interrupted.posted);
          const reply = harness.channel.openReply(target, rerun.options);
          await reply.showWorking();
          reply.update('The whole');
          await reply.finish('The whole answer, written again.');
          expect(texts(harness.visible(target))).toEqual(['Half an ans', 'The whole answer, written again.']);
          expectReported(rerun, target);
        });

        it('shrinks nothing: a shorter re-run follows the whole earlier answer', async () => {
          const target = harness.newConversation();
          const first = postedRecorder();
          const firstAnswer = longReply('long', 2.5);
          await harness.channel.openReply(target, first.options).finish(firstAnswer);
          const rerun = postedRecorder(first.last());
          await harness.channel.openReply(target, rerun.options).finish('Short answer this time.');
          expect(texts(harness.visible(target))).toEqual([firstAnswer, 'Short answer this time.']);
          expectReported(rerun, target);
        });
      }
    });

    describe('long replies', () => {
      const limit = messageLimit ?? 2_000;
      // The block straddles the limit: a cut at the limit itself would fall inside it.
      const fitting = fencedBlock('x', limit * 0.4);
      const straddling = paragraphs(
        prose('p', limit * 0.8),
        fitting,
        prose('q', limit * 0.8),
        prose('r', limit * 0.6),
      );
      const oversized = paragraphs(
        prose('intro', limit * 0.3),
        fencedBlock('y', limit * 1.6),
        prose('outro', 200),
      );

      if (messageLimit === undefined) {
        it('shows a long reply whole, code and all (nothing splits)', async () => {
          for (const answer of [straddling, oversized]) {
            const target = harness.newConversation();
            await harness.channel.openReply(target, postedRecorder().options).finish(answer);
            expect(texts(harness.visible(target))).toEqual([shown(answer)]);
          }
        });
      } else {
        it(`splits a reply over ${messageLimit} characters into several messages without breaking a code block`, async () => {
          const target = harness.newConversation();
          const posted = postedRecorder();
          await harness.channel.openReply(target, posted.options).finish(straddling);
          const shown = texts(harness.visible(target));
          expect(shown.length).toBeGreaterThanOrEqual(3);
          for (const text of shown) {
            expect(text.length).toBeLessThanOrEqual(messageLimit);
            expect(fenceCount(text) % 2).toBe(0);
          }
          expect(shown.filter((text) => text.includes(fitting))).toHaveLength(1);
          expect(substance(shown.join('\n'))).toBe(substance(straddling));
          expectReported(posted, target);
        });

        it('closes and reopens a code block too long for one message, so every part shows code as code', async () => {
          const target = harness.newConversation();
          await harness.channel.openReply(target, postedRecorder().options).finish(oversized);
          const shown = texts(harness.visible(target));
          const withCode = shown.filter((text) => text.split('\n').some((line) => CODE_LINE.test(line)));
          expect(withCode.length).toBeGreaterThanOrEqual(2);
          for (const text of shown) {
            expect(text.length).toBeLessThanOrEqual(messageLimit);
            expect(fenceCount(text) % 2).toBe(0);
            expect(codeOutsideFences(text)).toEqual([]);
          }
          for (const text of withCode.slice(1)) expect(text.startsWith('```python\n')).toBe(true);
          expect(substance(shown.join('\n'))).toBe(substance(oversized));
        });
      }
    });

    describe('empty and error replies', () => {
      const shows = emptyReplyText === undefined ? 'as it is' : `as "${emptyReplyText}"`;
      it(`shows an empty answer ${shows}, once`, async () => {
        for (const empty of ['', '  \n ']) {
          const target = harness.newConversation();
          const reply = harness.channel.openReply(target, postedRecorder().options);
          await reply.showWorking();
          reply.update(empty);
          await reply.finish(empty);
          expect(texts(harness.visible(target))).toEqual([emptyReplyText ?? shown(empty)]);
        }
      });

      it('shows an error message like any reply', async () => {
        const target = harness.newConversation();
        const error =
          '⚠️ The model is not responding right now, so I could not answer. Please try again shortly.';
        const posted = postedRecorder();
        const reply = harness.channel.openReply(target, posted.options);
        await reply.showWorking();
        await reply.finish(error, { isError: true });
        expect(texts(harness.visible(target))).toEqual([error]);
        expectReported(posted, target);
      });

      const replaces = edits || capabilities.replacesUnfinished === true;
      const afterPartial = replaces
        ? 'replaces the partial answer'
        : 'follows the partial answer, which stays';
      it(`an error after a partial answer ${afterPartial}`, async () => {
        const target = harness.newConversation();
        const error = '⚠️ Something went wrong while answering. Please try again.';
        const reply = harness.channel.openReply(target, postedRecorder().options);
        reply.update('The answer begins');
        await waitFor(
          'the partial answer',
          () => harness.visible(target).at(0)?.text === 'The answer begins',
        );
        await reply.finish(error, { isError: true });
        const shown = texts(harness.visible(target));
        if (replaces) {
          expect(shown).toEqual([error]);
        } else {
          expect(shown).toHaveLength(1);
          expect(shown[0]!.startsWith('The answer begins')).toBe(true);
          expect(shown[0]!.endsWith(error)).toBe(true);
        }
      });
    });

    if (capabilities.rateLimits) {
      describe('rate limits', () => {
        it('waits out a 429 with Retry-After and still posts the reply once', async () => {
          const target = harness.newConversation();
          if (!harness.rateLimitNextPost)
            throw new Error(`${name} rate-limits but its harness cannot say so`);
          const limited = harness.rateLimitNextPost();
          const started = Date.now();
          await harness.channel.openReply(target, postedRecorder().options).finish('Arrives after the wait.');
          expect(Date.now() - started).toBeGreaterThanOrEqual(limited.retryAfterMs * 0.9);
          expect(limited.served()).toBe(1);
          expect(texts(harness.visible(target))).toEqual(['Arrives after the wait.']);
        });
      });
    }
  });
}
