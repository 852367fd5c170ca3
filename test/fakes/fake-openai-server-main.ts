/**
 * Runs the fake OpenAI server in its own process, for tests and benchmarks that need it outside their own.
 * Prints one JSON line on stdout, `{"url":"http://127.0.0.1:<port>/v1"}`, once it listens; stops on SIGTERM/SIGINT.
 *
 *   node --import tsx test/fakes/fake-openai-server-main.ts [--latency-ms 20] [--latency-jitter-ms 10] [--chunk-delay-ms 0]
 *                                            [--record] [--ignore-include-usage]
 *
 * Spawn it with `node --import tsx` (or the tsx binary) and signal that pid: an `npx` wrapper does not pass SIGTERM on.
 * Requests are not recorded unless `--record` is given: nothing outside this process could read them.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI } from './fake-openai-server.ts';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '0' },
    'latency-jitter-ms': { type: 'string', default: '0' },
    'chunk-delay-ms': { type: 'string', default: '0' },
    record: { type: 'boolean', default: false },
    'ignore-include-usage': { type: 'boolean', default: false },
  },
});

function nonNegative(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    process.stderr.write(`--${name} must be a non-negative number, got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
}

const latencyMs = nonNegative('latency-ms', values['latency-ms']);
const jitterMs = nonNegative('latency-jitter-ms', values['latency-jitter-ms']);

const fake = await startFakeOpenAI({
  record: values.record,
  chunkDelayMs: nonNegative('chunk-delay-ms', values['chunk-delay-ms']),
  ignoreIncludeUsage: values['ignore-include-usage'],
});
fake.setLatency(jitterMs > 0 ? () => latencyMs + Math.random() * jitterMs : latencyMs);
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
