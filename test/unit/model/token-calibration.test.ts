import { describe, expect, it } from 'vitest';
import { reportedPromptTokens } from '../../../src/model/calibrating-model-client.ts';
import { createTokenCalibration } from '../../../src/model/token-calibration.ts';
import { calibratedBudget } from '../../../src/prompt/calibrated-budget.ts';

describe('token calibration', () => {
  it('leaves the budget alone until a model is known to count more, then applies the ratio with a margin', () => {
    const calibration = createTokenCalibration();
    expect(calibration.factor('m')).toBe(1);
    expect(calibration.observe('m', 1_000, 1_010)).toBe('calibrated');
    expect(calibration.factor('m')).toBe(1);
    for (let index = 0; index < 10; index++) calibration.observe('m', 1_000, 1_300);
    expect(calibration.state('m')?.ratio).toBeCloseTo(1.3, 1);
    expect(calibration.factor('m')).toBeGreaterThan(1.3);
    expect(calibration.factor('other')).toBe(1);
  });

  it('converges on noisy samples around the true ratio', () => {
    const calibration = createTokenCalibration();
    const ratios = [1.25, 1.36, 1.28, 1.33, 1.31, 1.27, 1.34, 1.29, 1.32, 1.3];
    for (const ratio of ratios) calibration.observe('m', 2_000, Math.round(2_000 * ratio));
    expect(Math.abs(calibration.state('m')!.ratio - 1.3)).toBeLessThan(0.02);
  });

  it('ignores tiny prompts and reports a cut prompt once, without taking it as a sample', () => {
    const calibration = createTokenCalibration();
    expect(calibration.observe('m', 20, 60)).toBe('skipped');
    expect(calibration.observe('m', 4_000, 1_000)).toBe('truncated');
    expect(calibration.observe('m', 4_000, 900)).toBe('truncated-again');
    expect(calibration.state('m')).toMatchObject({
      samples: 0,
      truncated: { sentTokens: 4_000, reportedTokens: 1_000 },
    });
    expect(calibration.factor('m')).toBe(1);
  });

  it('raises the ratio after a refusal: to what the server counted, or by a quarter', () => {
    const calibration = createTokenCalibration();
    calibration.overflowed('m', 1_000, 1_500);
    expect(calibration.state('m')?.ratio).toBe(1.5);
    calibration.overflowed('n', 1_000);
    expect(calibration.state('n')?.ratio).toBe(1.25);
  });

  it('reads the prompt size from OpenAI and vLLM refusals', () => {
    expect(
      reportedPromptTokens(
        'Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 3148588 tokens.',
      ),
    ).toBe(3_148_588);
    expect(
      reportedPromptTokens(
        'However, you requested 6616 tokens (568 in the messages, 6048 in the completion).',
      ),
    ).toBe(568);
    expect(reportedPromptTokens('the request exceeds the available context size')).toBeUndefined();
  });
});

describe('calibratedBudget', () => {
  it('shrinks the prompt share so that the server count plus the reply fits the window', () => {
    const budget = calibratedBudget({ contextWindow: 8_192, maxReplyTokens: 1_000, factor: 1.365 });
    expect(budget.historyBudget).toBe(Math.floor(7_192 / 1.365));
    expect(budget.maxContextTokens).toBe(1_000 + budget.historyBudget);
    expect(Math.ceil(budget.historyBudget * 1.365) + 1_000).toBeLessThanOrEqual(8_192);
    expect(
      calibratedBudget({ contextWindow: 8_192, maxReplyTokens: 1_000, factor: 1 }).maxContextTokens,
    ).toBe(8_192);
  });
});
