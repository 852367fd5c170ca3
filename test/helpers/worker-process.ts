/**
 * The test suites' worker process (see `run-worker-process.ts` for the flags and what it prints):
 *
 *   node --import tsx test/helpers/worker-process.ts --redis-url redis://127.0.0.1:6400 --prefix p1 \
 *     --openai-url http://127.0.0.1:5000/v1 --platform-url http://127.0.0.1:5001 \
 *     [--concurrency 50] [--lock-ms 2000] [--sweep-ms 1000] [--max-attempts 5] [--model gpt-3.5-turbo]
 *
 * Spawn it with `node --import tsx` and signal that pid: an `npx` wrapper would not pass the signal on.
 * Retries wait a fixed 50 ms so fault tests do not sit out the product's backoff.
 */
import { runWorkerProcess } from './run-worker-process.ts';

await runWorkerProcess({
  concurrency: 50,
  lockMs: 2_000,
  sweepMs: 1_000,
  maxAttempts: 5,
  modelTimeoutMs: 10_000,
  modelRetries: 2,
  retryDelayMs: 50,
  systemPrompt: 'You are a test assistant.',
});
