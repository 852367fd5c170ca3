import type { Logger } from '../../app/logger.ts';
import type { ToolCall } from '../../model/model-client.ts';
import type { ConfirmAnswer, ConfirmAnswers } from '../../tools/confirm-answers.ts';
import {
  argumentsForDisplay,
  type ConfirmOutcome,
  newQuestionId,
  refusalText,
} from '../../tools/tool-confirmation.ts';
import type { OfferedTool, ToolConfirmation } from '../../tools/tool-registry.ts';
import type { ReplyStream } from '../reply-channel.ts';

/** What asking the turn's author draws on. */
export interface ConfirmContext {
  /** Where the question is shown. */
  reply: ReplyStream;
  /** Where an answer given at an ingress arrives; unset, only an answer taken where the question is shown counts. */
  answers?: ConfirmAnswers;
  /** Who may answer: the person whose message started the turn. */
  asker: { id: string; name: string };
  /** `TOOL_CONFIRM_TIMEOUT_MS`. */
  timeoutMs: number;
  /** Aborts the wait (the turn is stopped). */
  signal: AbortSignal;
  /** Logger carrying the session. */
  log: Logger;
}

/**
 * Asks whether `call` of `tool` may run: shows the question, waits for the author's (or an admin's) answer up
 * to the timeout, shows the outcome on the question; only a yes lets it run.
 */
export async function confirmToolCall(
  context: ConfirmContext,
  tool: OfferedTool,
  call: ToolCall,
): Promise<ToolConfirmation> {
  const outcome = await askOnce(context, tool, call);
  context.log.info({ tool: `${tool.server}.${tool.tool}`, outcome: outcome.kind }, 'tool confirmation');
  return outcome.kind === 'approved' ? { approved: true } : { approved: false, text: refusalText(outcome) };
}

async function askOnce(context: ConfirmContext, tool: OfferedTool, call: ToolCall): Promise<ConfirmOutcome> {
  const { reply, log } = context;
  if (!reply.askToConfirm) return { kind: 'unasked', reason: 'this conversation cannot show the question' };
  const question = {
    id: newQuestionId(),
    tool: `${tool.server}.${tool.tool}`,
    argumentsText: argumentsForDisplay(call.arguments),
    askerId: context.asker.id,
    askerName: context.asker.name,
    timeoutMs: context.timeoutMs,
  };
  let prompt: Awaited<ReturnType<NonNullable<ReplyStream['askToConfirm']>>>;
  try {
    prompt = await reply.askToConfirm(question);
  } catch (error) {
    log.warn({ err: error }, 'could not ask to confirm a tool call');
    return { kind: 'unasked', reason: 'the question could not be shown' };
  }
  const answer = await firstAnswer(context, question.id, prompt.answer);
  const outcome: ConfirmOutcome = answer
    ? { kind: answer.approved ? 'approved' : 'declined', by: answer.by }
    : { kind: 'timed_out' };
  await prompt.settle(outcome).catch((error: unknown) => {
    log.warn({ err: error }, 'could not show the outcome of a tool confirmation');
  });
  return outcome;
}

/** The first answer from the ingress or from where the question is shown, or `undefined` at the timeout. */
async function firstAnswer(
  context: ConfirmContext,
  questionId: string,
  local: Promise<ConfirmAnswer | undefined> | undefined,
): Promise<ConfirmAnswer | undefined> {
  const done = new AbortController();
  const signal = AbortSignal.any([context.signal, done.signal]);
  // "No answer" from one side (the terminal's line closed) must not end the wait for the other.
  const answered = (wait: Promise<ConfirmAnswer | undefined>) =>
    wait.then((answer) => answer ?? new Promise<never>(() => {}));
  const waits: Array<Promise<ConfirmAnswer | undefined>> = [];
  if (context.answers) {
    waits.push(answered(context.answers.wait(questionId, { timeoutMs: context.timeoutMs, signal })));
  }
  if (local) waits.push(answered(local.catch(() => undefined)));
  let timer: NodeJS.Timeout | undefined;
  waits.push(
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(undefined), context.timeoutMs);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    }),
  );
  try {
    return await Promise.race(waits);
  } finally {
    clearTimeout(timer);
    done.abort();
  }
}
