import { isRetryable, ModelError, PreviousResponseLostError } from '../app/errors.ts';
import type { Logger } from '../app/logger.ts';
import type { Metrics } from '../app/metrics.ts';
import { runCommand } from '../commands/run-command.ts';
import type { HistoryStore, StoredMessage, UsageDelta } from '../history/history-store.ts';
import { summarizeIfNeeded } from '../history/summarize.ts';
import type { CompletionRequest, CompletionResult, ModelClient } from '../model/model-client.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import { assemblePrompt } from '../prompt/assemble-prompt.ts';
import { toStoredMessage } from '../prompt/render-message.ts';
import type { TurnJob, TurnProcessor } from '../queue/turn-queue.ts';
import { nextUtcMidnight, type UsageLedger, type UsageReport } from '../usage/usage-ledger.ts';
import type { ReplyChannel, ReplyStream } from './reply-channel.ts';
import type { Platform, Turn } from './turn.ts';

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
  /** Usage per channel and user (for `/usage` and budgets). */
  ledger: UsageLedger;
  /** Rolling summaries: the share of the history budget that triggers one. Off when unset. */
  summary?: { threshold: number };
  /** Daily token budgets. */
  budgets?: { perUserDaily?: number; perChannelDaily?: number };
  /** Who may run admin commands (`adminUsers` empty: everyone). */
  admin?: { users: readonly string[]; commands: readonly string[] };
  /** Clock, ms since epoch. */
  now?: () => number;
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

/** What the user reads past a daily budget. */
export function budgetText(kind: 'user' | 'channel', limit: number, now: number): string {
  const resets = nextUtcMidnight(now).toISOString().replace('T', ' ').slice(0, 16);
  const who = kind === 'user' ? 'You have' : 'This channel has';
  return `${who} used today's budget of ${limit.toLocaleString('en-US')} tokens, so I won't answer until it resets at ${resets} UTC.`;
}

type ModelOutcome = CompletionResult | { error: unknown };

/**
 * The turn pipeline shared by every platform: load history → add the user turn → assemble the prompt →
 * call the model (streaming into the reply) → commit the user message and the reply with usage, once.
 * A failed model call commits the user's message without a reply, so the history stays consistent.
 * Commands run here too, in the session's order.
 */
export function createTurnProcessor(options: TurnProcessorOptions): TurnProcessor {
  const { store, model, counter, logger, metrics, ledger } = options;
  const now = options.now ?? Date.now;
  const retryDelayMs =
    options.retryDelayMs ?? ((attempt: number) => Math.min(8_000, 1_000 * 2 ** (attempt - 1)));
  const historyBudget = options.prompt.maxContextTokens - options.prompt.maxReplyTokens;

  const channelFor = (turn: Turn): ReplyChannel => {
    const channel = options.replyChannels[turn.target.platform];
    if (!channel) throw new Error(`no reply channel for platform ${turn.target.platform}`);
    return channel;
  };

  const callModel = async (
    request: CompletionRequest,
    reply: ReplyStream,
    log: Logger,
  ): Promise<ModelOutcome> => {
    for (let attempt = 1; ; attempt++) {
      let text = '';
      try {
        return await model.complete({
          ...request,
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

  const recordUsage = async (turn: Turn, usage: UsageDelta | undefined) => {
    if (!usage) return;
    await ledger.record({
      scopeId: turn.scopeId ?? turn.sessionId,
      userId: turn.author.id,
      at: now(),
      usage,
    });
  };

  const overBudget = async (turn: Turn): Promise<string | undefined> => {
    const { perUserDaily, perChannelDaily } = options.budgets ?? {};
    if (perUserDaily === undefined && perChannelDaily === undefined) return undefined;
    const at = now();
    const report = await ledger.read({ scopeId: turn.scopeId ?? turn.sessionId, userId: turn.author.id, at });
    const spent = (totals: UsageReport['user']['today']) => totals.promptTokens + totals.completionTokens;
    if (perUserDaily !== undefined && spent(report.user.today) >= perUserDaily)
      return budgetText('user', perUserDaily, at);
    if (perChannelDaily !== undefined && spent(report.scope.today) >= perChannelDaily)
      return budgetText('channel', perChannelDaily, at);
    return undefined;
  };

  const runCommandTurn = async (job: TurnJob, log: Logger) => {
    const { turn, seq } = job;
    const outcome = await runCommand(turn, seq, {
      store,
      ledger,
      systemPrompt: options.prompt.systemPrompt,
      adminUsers: options.admin?.users ?? [],
      adminCommands: options.admin?.commands ?? [],
      now: now(),
    });
    const channel = channelFor(turn);
    try {
      if (channel.respond) await channel.respond(turn.target, outcome.response);
      else
        await channel
          .openReply(turn.target, { previous: job.previousReplies, onPosted: job.recordReplies })
          .finish(outcome.response.text, { isError: false });
    } catch (error) {
      metrics?.error('platform');
      if (job.attempt < job.maxAttempts) throw error;
      log.error({ err: error }, 'could not answer the command on the last attempt');
    }
    await store.commitTurn(turn.sessionId, outcome.commit);
    log.info({ command: turn.command?.name }, 'command done');
    metrics?.turnDone('command', turn.receivedAt);
  };

  return async (job) => {
    const { turn, seq } = job;
    const log = logger.child({ sessionId: turn.sessionId, seq });
    metrics?.turnStarted(now() - turn.receivedAt);
    const scopeId = turn.scopeId ?? turn.sessionId;

    if (turn.kind === 'reset') {
      await store.commitTurn(turn.sessionId, { seq, clear: true, messages: [], scopeId });
      log.info('session reset');
      metrics?.turnDone('reset', turn.receivedAt);
      return;
    }
    if (turn.kind === 'command') {
      await runCommandTurn(job, log);
      return;
    }

    const lastRun = job.attempt >= job.maxAttempts;
    const userMessage = toStoredMessage(
      { role: 'user', content: turn.text, author: turn.author, at: turn.receivedAt },
      counter,
    );
    const seeded = await seedFromContext(turn, store, counter);
    const reply = channelFor(turn).openReply(turn.target, {
      previous: job.previousReplies,
      onPosted: job.recordReplies,
    });

    if (job.attempt > job.maxAttempts) {
      // Earlier runs of this turn died without settling it (e.g. the process crashed each time).
      log.error({ attempt: job.attempt }, 'giving up on a turn that keeps failing');
      await reply.finish(GIVE_UP_TEXT, { isError: true }).catch((error: unknown) => {
        log.warn({ err: error }, 'could not report the skipped turn');
      });
      await store.commitTurn(turn.sessionId, { seq, messages: [...seeded, userMessage], scopeId });
      metrics?.turnDone('gave_up', turn.receivedAt);
      return;
    }

    const declined = await overBudget(turn);
    if (declined) {
      await reply.finish(declined, { isError: true });
      // The model never saw the message, so it is not part of the conversation.
      await store.commitTurn(turn.sessionId, { seq, messages: [], scopeId });
      log.info('declined: daily budget used');
      metrics?.turnDone('declined', turn.receivedAt);
      return;
    }

    const meta = await store.getMeta(turn.sessionId);
    const persona =
      scopeId === turn.sessionId ? meta.persona : ((await store.getMeta(scopeId)).persona ?? meta.persona);
    const fullRequest = async (): Promise<CompletionRequest> => {
      const history = await store.load(turn.sessionId, {
        maxTokens: historyBudget,
        maxMessages: options.prompt.maxHistoryMessages,
      });
      const prompt = assemblePrompt({
        systemPrompt: options.prompt.systemPrompt,
        persona,
        summary: meta.summary,
        history: [...history, ...seeded],
        pending: [userMessage],
        maxContextTokens: options.prompt.maxContextTokens,
        maxReplyTokens: options.prompt.maxReplyTokens,
        maxHistoryMessages: options.prompt.maxHistoryMessages,
        counter,
      });
      return { messages: prompt.messages };
    };
    // Responses API mode continues the server-side chain: only the system prompt and the new message travel.
    const chained = model.chainsResponses && meta.responseId !== undefined;
    const request: CompletionRequest = chained
      ? {
          messages: assemblePrompt({
            systemPrompt: options.prompt.systemPrompt,
            persona,
            history: [],
            pending: [userMessage],
            maxContextTokens: options.prompt.maxContextTokens,
            maxReplyTokens: options.prompt.maxReplyTokens,
            counter,
          }).messages,
          previousResponseId: meta.responseId,
        }
      : await fullRequest();

    await reply.showWorking().catch((error: unknown) => {
      // Being unable to show "thinking…" is no reason to fail the turn.
      log.warn({ err: error }, 'could not show the working indicator');
    });
    const started = now();
    let outcome = await callModel(request, reply, log);
    let chainLost = false;
    if ('error' in outcome && outcome.error instanceof PreviousResponseLostError) {
      // The server forgot the chain (expired or deleted): rebuild it from the local transcript.
      log.info('response chain lost; resending the conversation from the local transcript');
      chainLost = true;
      outcome = await callModel(await fullRequest(), reply, log);
    }
    if ('error' in outcome) {
      metrics?.modelCall(model.model, (now() - started) / 1000);
      metrics?.error('model');
    } else {
      metrics?.modelCall(model.model, (now() - started) / 1000, outcome.usage, outcome.costUsd);
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
        toStoredMessage({ role: 'assistant', content: outcome.text, at: now() }, counter),
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

    const responseId = 'error' in outcome ? (chainLost ? null : undefined) : outcome.responseId;
    await store.commitTurn(turn.sessionId, { seq, messages, usage, scopeId, responseId });
    metrics?.turnDone('error' in outcome ? 'model_error' : 'answered', turn.receivedAt);
    log.info(
      {
        outcome: 'error' in outcome ? 'model_error' : 'answered',
        promptTokens: usage?.promptTokens,
        completionTokens: usage?.completionTokens,
        modelMs: now() - started,
      },
      'turn done',
    );
    await recordUsage(turn, usage);

    if (options.summary && !model.chainsResponses) {
      const historyTokens = meta.historyTokens + messages.reduce((sum, message) => sum + message.tokens, 0);
      const summaryUsage = await summarizeIfNeeded(turn.sessionId, historyTokens, {
        store,
        model,
        counter,
        historyBudget,
        maxContextTokens: options.prompt.maxContextTokens,
        maxReplyTokens: options.prompt.maxReplyTokens,
        threshold: options.summary.threshold,
        logger: log,
      });
      if (summaryUsage) {
        metrics?.modelCall(model.model, 0, summaryUsage, summaryUsage.costUsd);
        await recordUsage(turn, summaryUsage);
      }
    }
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
