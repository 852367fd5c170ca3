/**
 * The fake OpenAI-compatible server for the through-the-platform scenarios, in a process of its own (forked
 * by timed-model.ts, driven over IPC). Each reply is `#t<id> <words> fin<id>` for the turn id found in the
 * request's last user message, so the bench can tell on the fake platform which answer a post carries and
 * whether it is complete. It records, per turn id, when its first token went out (epoch ms, sub-ms:
 * `performance.timeOrigin + performance.now()`, comparable across processes on this machine).
 */
import { performance } from 'node:perf_hooks';
import { type ChatCompletionRequestBody, startFakeOpenAI } from '../../test/fakes/fake-openai-server.ts';
import { seededRandom, words } from './bench-text.ts';
import { turnIdIn } from './bench-turns.ts';

/** A command from the parent. */
type Command = { id: number; command: 'latency'; ms: number } | { id: number; command: 'take' };

const epochNow = () => performance.timeOrigin + performance.now();
const firstToken = new Map<number, number>();
const random = seededRandom(20);
// One fixed filler of about 40 tokens: the reply's size, not its wording, is what costs.
const FILLER = words(random, 32);

function lastUserTurnId(body: ChatCompletionRequestBody): number | undefined {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i]!;
    if (message.role !== 'user') continue;
    const content = message.content;
    const text =
      typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');
    return turnIdIn(text);
  }
  return undefined;
}

const fake = await startFakeOpenAI({ record: false });
fake.respondWith((body) => {
  const turnId = lastUserTurnId(body);
  if (turnId === undefined) return `no turn id ${FILLER}`;
  // Called after the latency, right before the first chunk is written.
  if (!firstToken.has(turnId)) firstToken.set(turnId, epochNow());
  return `#t${turnId} ${FILLER} fin${turnId}`;
});
// A function, so the parent can change the model's delay between loads without a restart.
let latencyMs = 0;
fake.setLatency(() => latencyMs);

process.on('message', (raw) => {
  const message = raw as Command;
  if (message.command === 'latency') {
    latencyMs = message.ms;
    process.send?.({ id: message.id, result: null });
  } else {
    process.send?.({
      id: message.id,
      result: [...firstToken],
    });
    firstToken.clear();
  }
});
process.on('disconnect', () => {
  void fake.close().then(() => process.exit(0));
});
process.send?.({ id: 0, result: fake.url });
