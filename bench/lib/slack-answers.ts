import { performance } from 'node:perf_hooks';
import type { FakeSlackApi, RecordedCall } from '../../test/fakes/fake-slack-api.ts';
import { turnIdIn } from './bench-turns.ts';

/** When each turn's answer showed on the fake Slack, bench clock (epoch ms, sub-ms). */
export interface SlackAnswers {
  /** Turn id → first call that showed any of its answer's text. */
  firstText: Map<number, number>;
  /** Turn id → first call after which its whole answer (up to `fin<id>`) was visible. */
  complete: Map<number, number>;
  /** Resolves once `count` answers are complete, or after `idleMs` without a new one; returns how many are. */
  waitForComplete(count: number, idleMs: number): Promise<number>;
  /** Resolves with when `turnId`'s answer completed, or undefined after `timeoutMs` without it. */
  whenComplete(turnId: number, timeoutMs: number): Promise<number | undefined>;
  /** Forgets every answer (the fake keeps its messages: a bot may still be editing them, e.g. adding buttons). */
  reset(): void;
  /** Forgets the fake's calls, messages and threads (not users or channels); call once the bot has stopped. */
  clearFake(): void;
}

const STREAM_METHODS = new Set(['chat.appendStream', 'chat.stopStream']);
const ANSWER_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.startStream', ...STREAM_METHODS]);

/** The text a message shows once `call` has been applied (the fake applies it synchronously on arrival). */
function visibleText(api: FakeSlackApi, call: RecordedCall): string {
  const { body } = call;
  const own = `${typeof body.text === 'string' ? body.text : ''}${typeof body.markdown_text === 'string' ? body.markdown_text : ''}`;
  const blocks = body.blocks === undefined ? '' : JSON.stringify(body.blocks);
  // Native streaming appends to what the message already shows; other methods replace it.
  const before = STREAM_METHODS.has(call.method) ? (api.messages.get(String(body.ts))?.text ?? '') : '';
  return `${before}${own}${blocks}`;
}

/**
 * Watches the fake Slack Web API as calls arrive (the fake model's replies are `#t<id> … fin<id>`, see
 * timed-model-main.ts): the first post or edit showing a turn's answer, and the one completing it. Recorded
 * calls and posted messages are trimmed as it goes, so memory stays flat.
 */
export function watchSlackAnswers(api: FakeSlackApi): SlackAnswers {
  const firstText = new Map<number, number>();
  const complete = new Map<number, number>();
  let waiter: { count: number; resolve: () => void } | undefined;
  let lastComplete = performance.now();
  const turnWaiters = new Map<number, (at: number) => void>();
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (...calls) => {
    const now = performance.timeOrigin + performance.now();
    for (const call of calls) {
      if (!ANSWER_METHODS.has(call.method)) continue;
      const text = visibleText(api, call);
      const turnId = turnIdIn(text);
      if (turnId === undefined) continue;
      if (!firstText.has(turnId)) firstText.set(turnId, now);
      if (!complete.has(turnId) && text.includes(`fin${turnId}`)) {
        complete.set(turnId, now);
        lastComplete = performance.now();
        turnWaiters.get(turnId)?.(now);
      }
    }
    if (waiter && complete.size >= waiter.count) waiter.resolve();
    if (api.calls.length > 1_000) api.calls.length = 0;
    return push(...calls);
  };
  return {
    firstText,
    complete,
    whenComplete(turnId, timeoutMs) {
      const at = complete.get(turnId);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          turnWaiters.delete(turnId);
          resolve(undefined);
        }, timeoutMs);
        turnWaiters.set(turnId, (when) => {
          clearTimeout(timer);
          turnWaiters.delete(turnId);
          resolve(when);
        });
      });
    },
    async waitForComplete(count, idleMs) {
      lastComplete = performance.now();
      const done = new Promise<void>((resolve) => {
        waiter = { count, resolve };
      });
      for (;;) {
        if (complete.size >= count) break;
        const idle = performance.now() - lastComplete;
        if (idle >= idleMs) break;
        await Promise.race([
          done,
          new Promise((resolve) => setTimeout(resolve, Math.min(250, idleMs - idle))),
        ]);
      }
      waiter = undefined;
      return complete.size;
    },
    reset() {
      firstText.clear();
      complete.clear();
    },
    clearFake() {
      api.reset();
      api.threads.clear();
    },
  };
}
