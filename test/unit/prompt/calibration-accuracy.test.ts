import { readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2 from 'js-tiktoken/ranks/gpt2';
import p50kBase from 'js-tiktoken/ranks/p50k_base';
import { describe, expect, it } from 'vitest';
import { createTokenCalibration } from '../../../src/model/token-calibration.ts';
import { createTokenCounter, getTokenCounter, type TokenCounter } from '../../../src/model/token-counter.ts';

/**
 * How well calibration predicts another tokenizer's prompt counts from Parley's o200k count. The "servers"
 * are the other BPE tokenizers installed (GPT-2's r50k and p50k: older, larger-count vocabularies, as Llama
 * 2 and Mistral's are against o200k), counting real text: the READMEs and type declarations of installed
 * packages, as a chat.
 */
const local = getTokenCounter('gpt-4o-mini');
const serverCounter = (ranks: ConstructorParameters<typeof Tiktoken>[0]): TokenCounter => {
  const tiktoken = new Tiktoken(ranks);
  return createTokenCounter('o200k_base', {
    encode: (text) => tiktoken.encode(text, [], []),
    decode: (tokens) => tiktoken.decode(tokens),
  });
};

/** Prompts of a growing chat: system prompt, then alternating chunks of prose and code. */
function prompts(): Array<Array<{ role: string; content: string }>> {
  // Text pinned by package-lock.json, so the figures do not move when this project's own files change.
  const read = (path: string) =>
    readFileSync(new URL(`../../../node_modules/${path}`, import.meta.url), 'utf8');
  const readme = [read('openai/README.md'), read('bullmq/README.md')].flatMap((text) => text.split(/\n## /));
  const code = ['ioredis/built/Redis.d.ts', 'bullmq/dist/esm/classes/worker.d.ts'].map(read);
  const chunks = [...readme, ...code.flatMap((text) => text.split(/\n\n/))].filter(
    (chunk) => chunk.length > 40,
  );
  const messages = [{ role: 'system', content: 'You are Parley, a helpful assistant in a team chat.' }];
  const result: Array<Array<{ role: string; content: string }>> = [];
  chunks.slice(0, 30).forEach((chunk, index) => {
    messages.push({ role: index % 2 === 0 ? 'user' : 'assistant', content: chunk });
    // A window of the newest messages, like a budgeted prompt.
    result.push([messages[0]!, ...messages.slice(-6)]);
  });
  return result;
}

/** Mean absolute relative error of predicting the server's count, before and after calibration, and overflows. */
function measure(server: TokenCounter) {
  const calibration = createTokenCalibration();
  const before: number[] = [];
  const after: number[] = [];
  let overflows = 0;
  let judged = 0;
  prompts().forEach((prompt, index) => {
    const mine = local.promptTokens(prompt);
    const theirs = server.promptTokens(prompt);
    if (index >= 5) {
      // Judged only once a few samples are in, as a conversation's later turns are.
      before.push(Math.abs(theirs - mine) / theirs);
      const ratio = calibration.state('m')?.ratio ?? 1;
      after.push(Math.abs(theirs - mine * ratio) / theirs);
      judged += 1;
      if (theirs > mine * calibration.factor('m')) overflows += 1;
    }
    calibration.observe('m', mine, theirs);
  });
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return { before: mean(before), after: mean(after), overflowShare: overflows / judged };
}

describe('calibration accuracy on real text', () => {
  it.each([
    ['r50k (GPT-2)', gpt2],
    ['p50k', p50kBase],
  ])('predicts %s counts far better than the raw o200k count', (_name, ranks) => {
    const result = measure(serverCounter(ranks));
    console.info(_name, JSON.stringify(result));
    expect(result.before).toBeGreaterThan(0.05);
    expect(result.after).toBeLessThan(result.before / 2);
    // With the margin, few budgeted prompts would overflow the other tokenizer's window (r50k: 3 of 27 on this
    // text, as the README says); the context-length retry answers those.
    expect(result.overflowShare).toBeLessThan(0.15);
  });
});
