import { isRetryable, ModelError } from './errors.ts';
import type { HistoryStore, StoredMessage, UsageDelta } from './history-store.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { CompletionResult, ModelClient } from './model-client.ts';
import { assemblePrompt } from './prompt/assemble-prompt.ts';
import { toStoredMessage } from './prompt/render-message.ts';
import type { ReplyChannel, ReplyStream } from './reply-channel.ts';
import type { TokenCounter } from './token-counter.ts';
import type { Platform, Turn } from './turn.ts';
import type { TurnJob, TurnProcessor } from './turn-queue.ts';

/** Options of the turn pipeline. */
export interface TurnProcessorOptions {
  /** Where conversations live. */
  store: HistoryStore;
  /** The model. */
  model: ModelClient;
  /** Token counter of the model's encoding. */
  counter: TokenCounter;
  /** Sending side of each platform this worker serves. */
  replyChannels: Partial<Record<Platform, ReplyChannel>>;
  /** Prompt budget and default system prompt. */
  prompt: {
    systemPrompt: string;
    maxContextTokens: number;
    maxReplyTokens: number;
    maxHistoryMessages?: number;
  };
  /** Model calls per run for retryable failures (the SDK's own retries come on top). */
  modelAttempts: number;
  /** Delay between model attempts. */
  retryDelayMs?: (attempt: number) => number;
  /** Logger. */
  logger: Logger;
  /** Prometheus metrics, when served. */
  metrics?: Metrics;
}

/** What the user reads when the model could not answer. */
export function modelFailureText(error: unknown): string {
  if (error instanceof ModelError) {
    if (error.status === 429)
      return '⚠️ The model is rate-limited right now and could not answer. Please try again in a minute.';
    if (error.isRetryable)
      return '⚠️ The model is not responding right now, so I could not answer. Please try again shortly.';
    return `⚠️ The model rejected the request${error.status ? ` (HTTP ${error.status})` : ''}, so I could not answer. An operator may need to check the configuration.`;
  }
  return '⚠️ Something went wrong while answering. Please try again.';
}

const GIVE_UP_TEXT =
  '⚠️ I could not answer this message after several attempts, so I skipped it. Please send it again.';

/**
 * The turn pipeline shared by every platform: load history → add the user turn → assemble the prompt →
 * call the model (streaming into the reply) → commit the user message and the reply with usage, once.
 * A failed model call commits the user's message without a reply, so the history stays consistent.
 */
export function createTurnProcessor(options: TurnProcessorOptions): TurnProcessor {
  const { store, model, counter, logger, metrics } = options;
  const retryDelayMs =
    options.retryDelayMs ?? ((attempt: number) => Math.min(8_000, 1_000 * 2 ** (attempt - 1)));

  const replyTo = (job: TurnJob): ReplyStream => {
    const channel = options.replyChannels[job.turn.target.platform];
    if (!channel) throw new Error(`no reply channel for platform ${job.turn.target.platform}`);
    return channel.openReply(job.turn.target, { previous: job.previousReplies, onPosted: job.recordReplies });
  };

  const callModel = async (
    messages: Parameters<ModelClient['complete']>[0]['messages'],
    reply: ReplyStream,
    log: Logger,
  ): Promise<CompletionResult | { error: unknown }> => {
    for (let attempt = 1; ; attempt++) {
      let text = '';
      try {
        return await model.complete({
          messages,
          onDelta: (delta) => {
            text += delta;
            reply.update(text);
          },
        });
      } catch (error) {
        const retry = isRetryable(error) && attempt < options.modelAttempts;
        log.warn({ attempt, retry, err: error }, 'model call failed');
        if (!retry) return { error };
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
      }
    }
  };

  return async (job) => {
    const { turn, seq } = job;
    const log = logger.child({ sessionId: turn.sessionId, seq });
    metrics?.turnStarted(Date.now() - turn.receivedAt);

    if (turn.kind === 'reset') {
      await store.commitTurn(turn.sessionId, { seq, clear: true, messages: [] });
      log.info('session reset');
      metrics?.turnDone('reset', turn.receivedAt);
      return;
    }

    const lastRun = job.attempt >= job.maxAttempts;
    const userMessage = toStoredMessage(
      { role: 'user', content: turn.text, author: turn.author, at: turn.receivedAt },
      counter,
    );
    const seeded = await seedFromContext(turn, store, counter);
    const reply = replyTo(job);

    if (job.attempt > job.maxAttempts) {
      // Earlier runs of this turn died without settling it (e.g. the process crashed each time).
      log.error({ attempt: job.attempt }, 'giving up on a turn that keeps failing');
      await reply.finish(GIVE_UP_TEXT, { isError: true }).catch((error: unknown) => {
        log.warn({ err: error }, 'could not report the skipped turn');
      });
      await store.commitTurn(turn.sessionId, { seq, messages: [...seeded, userMessage] });
      metrics?.turnDone('gave_up', turn.receivedAt);
      return;
    }

    const meta = await store.getMeta(turn.sessionId);
    const budget = options.prompt.maxContextTokens - options.prompt.maxReplyTokens;
    const history = await store.load(turn.sessionId, {
      maxTokens: budget,
      maxMessages: options.prompt.maxHistoryMessages,
    });
    const prompt = assemblePrompt({
      systemPrompt: options.prompt.systemPrompt,
      persona: meta.persona,
      summary: meta.summary,
      history: [...history, ...seeded],
      pending: [userMessage],
      maxContextTokens: options.prompt.maxContextTokens,
      maxReplyTokens: options.prompt.maxReplyTokens,
      maxHistoryMessages: options.prompt.maxHistoryMessages,
      counter,
    });

    await reply.showWorking().catch((error: unknown) => {
      // Being unable to show "thinking…" is no reason to fail the turn.
      log.warn({ err: error }, 'could not show the working indicator');
    });
    const started = Date.now();
    const outcome = await callModel(prompt.messages, reply, log);
    if ('error' in outcome) {
      metrics?.modelCall(model.model, (Date.now() - started) / 1000);
      metrics?.error('model');
    } else {
      metrics?.modelCall(model.model, (Date.now() - started) / 1000, outcome.usage, outcome.costUsd);
    }

    let messages: StoredMessage[] = [...seeded, userMessage];
    let usage: UsageDelta | undefined;
    let text: string;
    if ('error' in outcome) {
      text = modelFailureText(outcome.error);
    } else {
      text = outcome.text;
      usage = { ...outcome.usage, costUsd: outcome.costUsd };
      messages = [
        ...messages,
        toStoredMessage({ role: 'assistant', content: outcome.text, at: Date.now() }, counter),
      ];
    }

    try {
      await reply.finish(
        text,
        'error' in outcome
          ? { isError: true }
          : { isError: false, usage: outcome.usage, costUsd: outcome.costUsd },
      );
    } catch (error) {
      metrics?.error('platform');
      // Posting failed: try the whole turn again (the reply posted so far is edited, not duplicated) —
      // unless this is the last run, where the answer is kept in history even if nobody saw it.
      if (!lastRun) throw error;
      log.error({ err: error }, 'could not post the reply on the last attempt; committing it anyway');
    }

    await store.commitTurn(turn.sessionId, { seq, messages, usage });
    metrics?.turnDone('error' in outcome ? 'model_error' : 'answered', turn.receivedAt);
    log.info(
      {
        outcome: 'error' in outcome ? 'model_error' : 'answered',
        promptTokens: usage?.promptTokens,
        completionTokens: usage?.completionTokens,
        modelMs: Date.now() - started,
        droppedMessages: prompt.droppedMessages,
      },
      'turn done',
    );
  };
}

/** Thread messages from before the bot was first mentioned, used only for a session that never had a turn. */
async function seedFromContext(
  turn: Turn,
  store: HistoryStore,
  counter: TokenCounter,
): Promise<StoredMessage[]> {
  if (!turn.context || turn.context.length === 0) return [];
  if ((await store.committedSeq(turn.sessionId)) > 0) return [];
  return turn.context
    .filter((message) => message.text.trim().length > 0)
    .map((message) =>
      toStoredMessage(
        message.fromBot
          ? { role: 'assistant', content: message.text, at: message.at }
          : { role: 'user', content: message.text, author: message.author, at: message.at },
        counter,
      ),
    );
}
