/**
 * A soak worker in its own process: the test worker process (`test/helpers/run-worker-process.ts`: the
 * product's worker pipeline answering on the recording fake chat platform) with the production retry delays,
 * and the model's timeout and SDK retries as flags, so the soak can make a slow model time out without each turn
 * taking minutes.
 *
 *   node --import tsx soak/soak-worker.ts --redis-url redis://127.0.0.1:6400 --prefix soak \
 *     --openai-url http://127.0.0.1:5000/v1 --platform-url http://127.0.0.1:5001 \
 *     [--concurrency 50] [--lock-ms 5000] [--sweep-ms 1000] [--max-attempts 3] \
 *     [--model-timeout-ms 2000] [--model-retries 1] [--model gpt-3.5-turbo]
 */
import { runWorkerProcess } from '../test/helpers/run-worker-process.ts';

await runWorkerProcess({
  concurrency: 50,
  lockMs: 5_000,
  sweepMs: 1_000,
  maxAttempts: 3,
  modelTimeoutMs: 2_000,
  modelRetries: 1,
  retryDelayMs: 0,
  systemPrompt: 'You are a soak test assistant.',
});
