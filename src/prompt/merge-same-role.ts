import type { ChatMessage } from '../model/model-client.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import type { PromptImageAttachment } from './prompt-attachments.ts';
import { isToolExchangePart, type ToolExchangeFields } from './tool-units.ts';

/** Separator between messages merged into one. */
export const MERGE_SEPARATOR = '\n\n';

/** A conversation message picked for the prompt, with its exact cost as a message of its own. */
export interface PromptPart extends ToolExchangeFields {
  /** Speaker role. */
  role: 'user' | 'assistant' | 'tool';
  /** Rendered text. */
  text: string;
  /** Exact cost as a message of its own (overhead + text + its images). */
  tokens: number;
  /** Images sent with it, in order (after the text). */
  images: readonly PromptImageAttachment[];
}

/** Consecutive same-role parts sent as one message. */
export interface MergedRun {
  /** Role shared by the run. */
  role: 'user' | 'assistant' | 'tool';
  /** The parts, oldest first. */
  parts: PromptPart[];
  /** Exact cost of the merged message. */
  tokens: number;
}

/**
 * Groups consecutive same-role parts (oldest first) into runs, because some providers (Ollama chat
 * templates, Anthropic behind OpenRouter) demand that roles alternate. Only runs of two or more
 * parts are encoded again: BPE is not additive where texts meet, so their cost is recounted.
 */
export function mergeSameRole(parts: readonly PromptPart[], counter: TokenCounter): MergedRun[] {
  const runs: MergedRun[] = [];
  for (const part of parts) {
    const last = runs.at(-1);
    // A tool call or result stays a message of its own: its id ties it to the other half of the exchange.
    const mergeable =
      last && last.role === part.role && !isToolExchangePart(part) && !isToolExchangePart(last.parts[0]!);
    if (mergeable) last!.parts.push(part);
    else runs.push({ role: part.role, parts: [part], tokens: part.tokens });
  }
  for (const run of runs) recountRun(run, counter);
  return runs;
}

/**
 * Sets a run's exact cost: a single part's known cost, or a recount of the merged text plus its images (image
 * parts cost the same wherever they sit).
 */
export function recountRun(run: MergedRun, counter: TokenCounter): void {
  run.tokens =
    run.parts.length === 1
      ? run.parts[0]!.tokens
      : counter.messageTokens({ role: run.role, content: runText(run) }) +
        runImages(run).reduce((sum, image) => sum + image.tokens, 0);
}

/** The images of a run's parts, in order: all sent after the merged text. */
export function runImages(run: MergedRun): PromptImageAttachment[] {
  return run.parts.flatMap((part) => part.images);
}

/** The message a run is sent as. */
export function runToMessage(run: MergedRun): ChatMessage {
  const message: ChatMessage = { role: run.role, content: runText(run) };
  const [first] = run.parts;
  if (first?.toolCalls) message.toolCalls = first.toolCalls.map((call) => ({ ...call }));
  if (first?.toolCallId !== undefined) message.toolCallId = first.toolCallId;
  return message;
}

function runText(run: MergedRun): string {
  return run.parts.map((part) => part.text).join(MERGE_SEPARATOR);
}
