import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../src/history/history-store.ts';
import {
  createTokenCounter,
  getTokenCounter,
  getTokenizer,
  type TokenCounter,
} from '../../../src/model/token-counter.ts';
import {
  type AssemblePromptInput,
  assemblePrompt,
  SUMMARY_PREFIX,
} from '../../../src/prompt/assemble-prompt.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';
import { TRUNCATION_MARKER_PATTERN } from '../../../src/prompt/truncate.ts';

const counter = getTokenCounter('gpt-4o-mini');
const SYSTEM = 'You are a test bot.';

let clock = 0;
const user = (content: string, name?: string, on: TokenCounter = counter): StoredMessage =>
  toStoredMessage(
    { role: 'user', content, author: name ? { id: `id-${name}`, name } : undefined, at: clock++ },
    on,
  );
const reply = (content: string, on: TokenCounter = counter): StoredMessage =>
  toStoredMessage({ role: 'assistant', content, at: clock++ }, on);

function assemble(overrides: Partial<AssemblePromptInput>): ReturnType<typeof assemblePrompt> {
  return assemblePrompt({
    systemPrompt: SYSTEM,
    history: [],
    pending: [],
    maxContextTokens: 10_000,
    maxReplyTokens: 1_000,
    counter,
    ...overrides,
  });
}

/** Alternating history, user first, each message a different length. */
function alternating(count: number): StoredMessage[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? user(`message ${i} ${'about cats '.repeat(i % 5)}`, 'Alice')
      : reply(`reply ${i} ${'yes '.repeat(i % 3)}`),
  );
}

const sum = (messages: readonly StoredMessage[]): number =>
  messages.reduce((total, m) => total + m.tokens, 0);
const systemCost = counter.messageTokens({ role: 'system', content: SYSTEM });

describe('assemblePrompt', () => {
  it('sends everything that fits, with speakers named, and counts it exactly', () => {
    const history = [user('hi', 'Alice'), reply('Hello Alice'), user('how are you', 'Bob'), reply('fine')];
    const pending = [user('and now?', 'Alice')];
    const result = assemble({ history, pending });
    expect(result.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Alice: hi' },
      { role: 'assistant', content: 'Hello Alice' },
      { role: 'user', content: 'Bob: how are you' },
      { role: 'assistant', content: 'fine' },
      { role: 'user', content: 'Alice: and now?' },
    ]);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
    expect(result.promptTokens).toBe(3 + systemCost + sum(history) + sum(pending));
    expect(result).toMatchObject({ droppedMessages: 0, truncated: false, overBudget: false });
  });

  it('uses the channel persona instead of the system prompt, unless it is blank', () => {
    const pending = [user('hi', 'Alice')];
    expect(assemble({ persona: 'You are a pirate.', pending }).messages[0]).toEqual({
      role: 'system',
      content: 'You are a pirate.',
    });
    expect(assemble({ persona: ' \n ', pending }).messages[0]).toEqual({ role: 'system', content: SYSTEM });
  });

  it('sends the summary as a second system message right after the system prompt', () => {
    const result = assemble({
      summary: 'They talked about cats.',
      history: alternating(4),
      pending: [user('q', 'A')],
    });
    expect(result.messages[1]).toEqual({
      role: 'system',
      content: `${SUMMARY_PREFIX}They talked about cats.`,
    });
    expect(result.messages[2]).toEqual({ role: 'user', content: 'Alice: message 0 ' });
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
  });

  it('keeps the newest history that fits, exactly to the token, dropping the oldest', () => {
    const history = alternating(20);
    const pending = [user('question?', 'Bob')];
    for (const kept of [0, 1, 7, 20]) {
      const budget = 3 + systemCost + pending[0]!.tokens + sum(history.slice(20 - kept));
      for (const [slack, expected] of [
        [0, kept],
        [-1, Math.max(0, kept - 1)],
      ] as const) {
        if (budget + slack < 3 + systemCost + pending[0]!.tokens) continue;
        const result = assemble({
          history,
          pending,
          maxContextTokens: budget + slack + 500,
          maxReplyTokens: 500,
        });
        expect(result.messages.slice(1)).toEqual(
          [...history.slice(20 - expected), pending[0]!].map((m) => ({
            role: m.role,
            content: m.author ? `${m.author.name}: ${m.content}` : m.content,
          })),
        );
        expect(result.droppedMessages).toBe(20 - expected);
        expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
        expect(result.promptTokens).toBeLessThanOrEqual(budget + slack);
      }
    }
  });

  it('considers at most maxHistoryMessages of the newest history', () => {
    const history = alternating(20);
    const result = assemble({ history, pending: [user('q', 'Bob')], maxHistoryMessages: 3 });
    expect(result.messages).toHaveLength(1 + 3 + 1);
    expect(result.messages[1]!.content).toBe(history[17]!.content);
    expect(result.droppedMessages).toBe(17);
  });

  it('merges consecutive same-role messages so roles alternate', () => {
    const history = [user('a', 'Alice'), user('b', 'Bob'), reply('x'), reply('y')];
    const result = assemble({ history, pending: [user('c', 'Carol')] });
    expect(result.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Alice: a\n\nBob: b' },
      { role: 'assistant', content: 'x\n\ny' },
      { role: 'user', content: 'Carol: c' },
    ]);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
    expect(result.droppedMessages).toBe(0);
  });

  it('merges the new turns with each other and with a trailing unanswered user message', () => {
    const history = [reply('earlier answer'), user('unanswered', 'Alice')];
    const result = assemble({ history, pending: [user('one', 'Bob'), user('two', 'Carol')] });
    expect(result.messages.at(-1)).toEqual({
      role: 'user',
      content: 'Alice: unanswered\n\nBob: one\n\nCarol: two',
    });
    expect(result.messages).toHaveLength(3);
  });

  it('keeps older new turns before history, and drops them oldest first when they do not fit', () => {
    const pending = [user('first '.repeat(50), 'Alice'), user('second', 'Bob')];
    const history = alternating(6);
    const tight = 3 + systemCost + pending[1]!.tokens + 10;
    const result = assemble({ history, pending, maxContextTokens: tight + 100, maxReplyTokens: 100 });
    expect(result.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Bob: second' },
    ]);
    expect(result.droppedMessages).toBe(7);
    expect(result.truncated).toBe(false);
  });

  it('cuts a huge newest message with a marker, keeping its start and end', () => {
    const question = 'Why does the job die with exit code 137? Here is the log:\n';
    const closing = '\nWhat should I change?';
    const huge = question + 'worker 7 OOM killed at 10:00:00\n'.repeat(5_000) + closing;
    const result = assemble({
      history: alternating(10),
      pending: [user(huge, 'Alice')],
      maxContextTokens: 3_000,
      maxReplyTokens: 1_000,
    });
    const last = result.messages.at(-1)!;
    expect(result.messages).toHaveLength(2);
    expect(last.role).toBe('user');
    expect(last.content.startsWith(`Alice: ${question}`)).toBe(true);
    expect(last.content.endsWith(closing)).toBe(true);
    expect(last.content).toMatch(TRUNCATION_MARKER_PATTERN);
    expect(result.truncated).toBe(true);
    expect(result.droppedMessages).toBe(10);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
    expect(result.promptTokens).toBeLessThanOrEqual(2_000);
    expect(result.promptTokens).toBeGreaterThan(1_950);
  });

  it('cuts a system prompt larger than the budget but keeps it first, and keeps the newest turn', () => {
    const systemPrompt = `Rule zero: be kind.\n${'Rule: always answer in verse. '.repeat(3_000)}`;
    const result = assemble({
      systemPrompt,
      pending: [user('hi', 'Alice')],
      maxContextTokens: 1_000,
      maxReplyTokens: 200,
    });
    expect(result.messages).toHaveLength(2);
    expect(result.messages[0]!.role).toBe('system');
    expect(result.messages[0]!.content.startsWith('Rule zero: be kind.\nRule:')).toBe(true);
    expect(result.messages[0]!.content).toMatch(/…\[truncated \d+ tokens\]$/);
    expect(result.messages[1]).toEqual({ role: 'user', content: 'Alice: hi' });
    expect(result.truncated).toBe(true);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
    expect(result.promptTokens).toBeLessThanOrEqual(800);
    expect(result.promptTokens).toBeGreaterThan(780);
  });

  it('splits the budget about evenly when both the system prompt and the newest message are huge', () => {
    const systemPrompt = 'Be brief. '.repeat(5_000);
    const result = assemble({
      systemPrompt,
      pending: [user('Summarise: '.repeat(5_000), 'Alice')],
      maxContextTokens: 2_000,
      maxReplyTokens: 0,
    });
    const [system, newest] = result.messages.map((m) => counter.messageTokens(m));
    expect(result.promptTokens).toBeLessThanOrEqual(2_000);
    expect(system).toBeGreaterThan(900);
    expect(newest).toBeGreaterThan(900);
  });

  it('keeps a summary whole before any history, cuts it when it does not fit, omits it when no room is left', () => {
    const history = alternating(10);
    const pending = [user('q', 'Bob')];
    const summary = 'Cats were discussed at length. '.repeat(20);
    const summaryCost = counter.messageTokens({ role: 'system', content: SUMMARY_PREFIX + summary });
    const budget = 3 + systemCost + pending[0]!.tokens + summaryCost + sum(history.slice(8));
    const whole = assemble({
      history,
      pending,
      summary,
      maxContextTokens: budget + 100,
      maxReplyTokens: 100,
    });
    expect(whole.messages[1]!.content).toBe(SUMMARY_PREFIX + summary);
    expect(whole.messages).toHaveLength(2 + 2 + 1);
    expect(whole.truncated).toBe(false);

    const cut = assemble({
      history,
      pending,
      summary,
      maxContextTokens: budget - 60 + 100,
      maxReplyTokens: 100,
    });
    expect(cut.messages[1]!.content.startsWith(SUMMARY_PREFIX)).toBe(true);
    expect(cut.messages[1]!.content).toMatch(TRUNCATION_MARKER_PATTERN);
    expect(cut.messages).toHaveLength(3);
    expect(cut.truncated).toBe(true);
    expect(cut.promptTokens).toBeLessThanOrEqual(budget - 60);

    const none = assemble({
      history,
      pending,
      summary,
      maxContextTokens: 3 + systemCost + pending[0]!.tokens + 20 + 100,
      maxReplyTokens: 100,
    });
    expect(none.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    expect(none.truncated).toBe(true);
    expect(none.promptTokens).toBeLessThanOrEqual(3 + systemCost + pending[0]!.tokens + 20);
  });

  it('never sends blank messages', () => {
    const history = [user('', 'Alice'), reply('  \n'), user('real', 'Alice'), reply('')];
    const result = assemble({ history, pending: [user('q', 'Bob'), user(' ', 'Bob')] });
    expect(result.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Alice: real\n\nBob: q' },
    ]);
    expect(result.droppedMessages).toBe(0);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
  });

  it('sends the history alone when there is no new turn', () => {
    const history = alternating(4);
    const result = assemble({ history });
    expect(result.messages).toHaveLength(5);
    expect(result.promptTokens).toBe(counter.promptTokens(result.messages));
  });

  it('degrades instead of failing when the budget cannot hold a minimal prompt', () => {
    const pending = [user('a long question '.repeat(100), 'Alice')];
    const tooSmall = assemble({ pending, maxContextTokens: 20, maxReplyTokens: 10 });
    expect(tooSmall.overBudget).toBe(true);
    expect(tooSmall.messages.map((m) => m.role)).toEqual(['system', 'user']);
    for (const m of tooSmall.messages) expect(m.content.trim()).not.toBe('');
    expect(tooSmall.promptTokens).toBe(counter.promptTokens(tooSmall.messages));

    // 13 = reply priming + two messages of one content token each: the smallest budget that always fits.
    const smallest = assemble({ pending, maxContextTokens: 23, maxReplyTokens: 10 });
    expect(smallest.overBudget).toBe(false);
    expect(smallest.promptTokens).toBeLessThanOrEqual(13);
    expect(smallest.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(smallest.messages[1]!.content.startsWith('Alice')).toBe(true);
  });

  it('re-fits by dropping the oldest picked messages when merging costs more than its margin', () => {
    // A tokenizer where two texts joined by a blank line cost 40 tokens more than apart: the worst
    // non-additivity the margin is not sized for. The assembler must still stay within budget.
    const real = getTokenizer('o200k_base');
    const spiky = createTokenCounter('o200k_base', {
      encode: (text) => {
        const tokens = real.encode(text);
        return /\S\n\n\S/.test(text) ? [...tokens, ...new Array<number>(40).fill(0)] : tokens;
      },
      decode: (tokens) => real.decode(tokens),
    });
    const history = [user('one', 'Alice', spiky), user('two', 'Bob', spiky), user('three', 'Carol', spiky)];
    const pending = [user('four', 'Dave', spiky)];
    const budget = 3 + spiky.messageTokens({ role: 'system', content: SYSTEM }) + sum(history) + sum(pending);
    const result = assemblePrompt({
      systemPrompt: SYSTEM,
      history,
      pending,
      maxContextTokens: budget + 100,
      maxReplyTokens: 100,
      counter: spiky,
    });
    expect(result.promptTokens).toBe(spiky.promptTokens(result.messages));
    expect(result.promptTokens).toBeLessThanOrEqual(budget);
    expect(result.messages.at(-1)!.content.endsWith('Dave: four')).toBe(true);
    expect(result.droppedMessages).toBeGreaterThan(0);
  });
});
