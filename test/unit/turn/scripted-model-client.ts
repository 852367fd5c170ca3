import type { CompletionRequest, CompletionResult, ModelClient } from '../../../src/model/model-client.ts';

/** One scripted model call: an answer (streamed word by word) or an error to throw. */
export type ModelStep = { text: string; responseId?: string } | { error: unknown };

/** A model client that plays a script and records every request it gets. */
export interface ScriptedModelClient extends ModelClient {
  /** Requests received, oldest first (without `onDelta` and `signal`). */
  readonly requests: Omit<CompletionRequest, 'onDelta' | 'signal'>[];
  /** The abort signal of each request, in the same order. */
  readonly signals: Array<AbortSignal | undefined>;
  /** Steps not played yet. */
  readonly remaining: ModelStep[];
}

/** Usage every scripted answer reports. */
export const SCRIPTED_USAGE = { promptTokens: 120, completionTokens: 30 };
/** Cost every scripted answer reports. */
export const SCRIPTED_COST = 0.002;

/** Plays `steps` in order; past the end it answers `unscripted`. */
export function createScriptedModelClient(
  steps: ModelStep[],
  options: { chainsResponses?: boolean } = {},
): ScriptedModelClient {
  const requests: Omit<CompletionRequest, 'onDelta' | 'signal'>[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  const remaining = [...steps];
  return {
    model: 'scripted-model',
    chainsResponses: options.chainsResponses ?? false,
    requests,
    signals,
    remaining,
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      const { onDelta, signal, ...recorded } = request;
      requests.push(recorded);
      signals.push(signal);
      const step = remaining.shift() ?? { text: 'unscripted' };
      if ('error' in step) throw step.error;
      let shown = '';
      for (const word of step.text.split(/(?<= )/)) {
        shown += word;
        onDelta?.(word, shown);
      }
      return {
        text: step.text,
        usage: { ...SCRIPTED_USAGE },
        costUsd: SCRIPTED_COST,
        model: 'scripted-model',
        finishReason: 'stop',
        responseId: step.responseId,
      };
    },
  };
}
