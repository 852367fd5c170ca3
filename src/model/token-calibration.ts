/**
 * Calibration of local token counts against what each model's server reports. Parley counts prompts with
 * OpenAI's tokenizers; Llama, Qwen or Mistral tokenizers count the same text as more tokens, so a prompt
 * budgeted locally can overflow their window. Every answered full prompt gives a sample, the server's
 * `prompt_tokens` over the local count; the smoothed ratio (with a margin) scales the budget of later turns.
 * A server that reports far fewer tokens than were sent has cut the prompt (Ollama drops the oldest messages
 * beyond its `num_ctx`): that is remembered, once per model, for a warning and for `/memory`.
 */

/** How samples are weighed and judged. */
export interface TokenCalibrationOptions {
  /** Weight of a new sample once there are several (exponential smoothing); the first ones average. */
  smoothing?: number;
  /** Least share added on top of a ratio above 1; twice the samples' spread when that is more. */
  margin?: number;
  /** Ratios this close to 1 leave the budget as it is (the local tokenizer is the server's). */
  tolerance?: number;
  /** A prompt counted below this is too small to judge (fixed overheads dominate). */
  minSampleTokens?: number;
  /** Reported below this share of the local count: the server truncated the prompt. */
  truncatedBelow?: number;
}

/** What is known of one model's counts. */
export interface CalibrationState {
  /** Smoothed ratio of reported to locally counted prompt tokens. */
  ratio: number;
  /** Smoothed absolute deviation of the samples from `ratio`: how much one prompt may differ from it. */
  spread: number;
  /** Samples taken. */
  samples: number;
  /** The first prompt the server cut, when one was: tokens sent (counted locally) and tokens it reported. */
  truncated?: { sentTokens: number; reportedTokens: number };
}

/** What a sample showed. */
export type SampleVerdict = 'calibrated' | 'skipped' | 'truncated' | 'truncated-again';

/** Per-model calibration of this process (each worker learns on its own; a restart starts afresh). */
export interface TokenCalibration {
  /** The factor to multiply local counts by when budgeting for `model`: 1 until it is known to count more. */
  factor(model: string): number;
  /** What is known of `model`, `undefined` before its first sample. */
  state(model: string): CalibrationState | undefined;
  /** Takes one answered prompt's counts; `truncated` the first time the server is seen to cut a prompt. */
  observe(model: string, localTokens: number, reportedTokens: number): SampleVerdict;
  /**
   * The server refused a prompt as too long: the budget was wrong for it. Raises the ratio to the one the
   * server's own count implies (`reportedTokens`, when its error says), else by a quarter.
   */
  overflowed(model: string, localTokens: number, reportedTokens?: number): void;
}

/** A calibration with `options` (defaults: smoothing 0.3, margin 5 % or twice the spread, tolerance 2 %, 64 tokens, half). */
export function createTokenCalibration(options: TokenCalibrationOptions = {}): TokenCalibration {
  const smoothing = options.smoothing ?? 0.3;
  const margin = options.margin ?? 0.05;
  const tolerance = options.tolerance ?? 0.02;
  const minSampleTokens = options.minSampleTokens ?? 64;
  const truncatedBelow = options.truncatedBelow ?? 0.5;
  const states = new Map<string, CalibrationState>();

  const add = (model: string, ratio: number): void => {
    const state = states.get(model);
    if (!state) {
      states.set(model, { ratio, spread: 0, samples: 1 });
      return;
    }
    state.samples += 1;
    // A running mean at first, so a few samples already converge; then a moving one that follows changes.
    const weight = Math.max(smoothing, 1 / state.samples);
    state.spread += (Math.abs(ratio - state.ratio) - state.spread) * weight;
    state.ratio += (ratio - state.ratio) * weight;
  };

  return {
    factor(model) {
      const state = states.get(model);
      if (state === undefined || state.ratio <= 1 + tolerance) return 1;
      // Prompts of code and of prose differ: the margin grows with how far samples stray from the mean.
      return state.ratio + Math.max(state.ratio * margin, 2 * state.spread);
    },
    state: (model) => states.get(model),
    observe(model, localTokens, reportedTokens) {
      if (!(localTokens >= minSampleTokens) || !(reportedTokens > 0)) return 'skipped';
      if (reportedTokens < localTokens * truncatedBelow) {
        const state = states.get(model) ?? { ratio: 1, spread: 0, samples: 0 };
        states.set(model, state);
        if (state.truncated) return 'truncated-again';
        state.truncated = { sentTokens: localTokens, reportedTokens };
        return 'truncated';
      }
      add(model, reportedTokens / localTokens);
      return 'calibrated';
    },
    overflowed(model, localTokens, reportedTokens) {
      const current = states.get(model)?.ratio ?? 1;
      const implied =
        reportedTokens !== undefined && localTokens > 0 ? reportedTokens / localTokens : current * 1.25;
      const state = states.get(model) ?? { ratio: current, spread: 0, samples: 0 };
      states.set(model, state);
      // Never below what was just proven too optimistic.
      state.ratio = Math.max(current * 1.05, implied);
      state.samples += 1;
    },
  };
}
