import type { ModelErrorKind } from '../../src/app/errors.ts';
import type { CompletionResult } from '../../src/model/model-client.ts';
import { createOpenAIModelClient } from '../../src/model/openai-model-client.ts';
import type { LoadedFixture, ProviderReplay } from './provider-replay-server.ts';

/**
 * The chat-completions client pointed at a provider replay, and one completion run through it recording what a
 * user would have seen: every delta, the whole text each `onDelta` call passed, and the result or the error.
 */

/** The manifest's `expect.cause` in `ModelErrorKind` terms: an oracle independent of the classifier. */
export const KIND_OF_CAUSE: Record<string, ModelErrorKind> = {
  auth: 'auth',
  model: 'model_not_found',
  length: 'context_length',
  rate: 'rate_limit',
  quota: 'quota',
  filter: 'content_filter',
  server: 'unavailable',
};

/** What one run produced. */
export interface ReplayRun {
  /** The completion, or what it threw. */
  outcome: { result: CompletionResult } | { error: unknown };
  /** Every delta, in order. */
  deltas: string[];
  /** The second argument of every `onDelta` call: the whole text so far. */
  texts: Array<string | undefined>;
}

/**
 * The client as the app configures it, for the fixture's model: one SDK retry, and a 1 s cap on `retry-after`
 * (so a recorded `retry-after: 2` comes back at once, with its wait).
 */
export function replayChatClient(replay: ProviderReplay, fixture: LoadedFixture) {
  return createOpenAIModelClient({
    baseUrl: replay.url,
    model: fixture.model,
    maxReplyTokens: 100,
    timeoutMs: 5_000,
    maxRetries: 1,
    maxRetryAfterSeconds: 1,
  });
}

/** Serves `fixture` and runs one completion against it. */
export async function runReplay(replay: ProviderReplay, fixture: LoadedFixture): Promise<ReplayRun> {
  replay.serve(fixture);
  const deltas: string[] = [];
  const texts: Array<string | undefined> = [];
  const onDelta = (delta: string, text?: string) => {
    deltas.push(delta);
    texts.push(text);
  };
  const outcome = await replayChatClient(replay, fixture)
    .complete({ messages: [{ role: 'user', content: 'Alice: hello' }], onDelta })
    .then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
  return { outcome, deltas, texts };
}
