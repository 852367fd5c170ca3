import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../src/history/history-store.ts';
import { createTokenCounter, getTokenCounter, getTokenizer } from '../../../src/model/token-counter.ts';
import { type AssemblePromptInput, assemblePrompt } from '../../../src/prompt/assemble-prompt.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';

// The work of one turn must not grow with the history: measured by what is encoded and which stored
// messages are read, never by time.

const counter = getTokenCounter('gpt-4o-mini');

/** 10,000 stored messages with runs of same-role messages (merges) and assorted lengths. */
const fullHistory: StoredMessage[] = Array.from({ length: 10_000 }, (_, i) => {
  const role =
    i % 5 === 0 || i % 5 === 1 ? 'user' : i % 5 === 2 ? 'assistant' : i % 5 === 3 ? 'user' : 'assistant';
  return role === 'user'
    ? toStoredMessage(
        {
          role,
          content: `question ${i}: ${'why '.repeat(i % 17)}?`,
          author: { id: `U${i % 3}`, name: `Person ${i % 3}` },
          at: i,
        },
        counter,
      )
    : toStoredMessage({ role, content: `answer ${i}: ${'because '.repeat(i % 11)}.`, at: i }, counter);
});
const question = toStoredMessage(
  { role: 'user', content: 'And what now?', author: { id: 'U1', name: 'Alice' }, at: 10_001 },
  counter,
);
const paste = toStoredMessage(
  {
    role: 'user',
    content: `Long paste:\n${'stack frame at module.js:10\n'.repeat(2_000)}and the question?`,
    author: { id: 'U1', name: 'Alice' },
    at: 10_001,
  },
  counter,
);

/** Runs one assembly with a fresh counter whose every encode and read of `history` is recorded. */
function measure(history: StoredMessage[], overrides: Partial<AssemblePromptInput> = {}) {
  const real = getTokenizer('o200k_base');
  const encodes: number[] = [];
  const observed = createTokenCounter('o200k_base', {
    encode: (text) => {
      encodes.push(text.length);
      return real.encode(text);
    },
    decode: (tokens) => real.decode(tokens),
  });
  const reads = new Set<number>();
  const watched = new Proxy(history, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads.add(Number(property));
      return Reflect.get(target, property, receiver);
    },
  });
  const result = assemblePrompt({
    systemPrompt: 'You are a helpful assistant. '.repeat(20),
    summary: 'Earlier they discussed the deployment. '.repeat(10),
    history: watched,
    pending: [question],
    maxContextTokens: 1_400,
    maxReplyTokens: 1_000,
    counter: observed,
    ...overrides,
  });
  return {
    result,
    encodeCalls: encodes.length,
    charactersEncoded: encodes.reduce((sum, length) => sum + length, 0),
    messagesRead: reads.size,
  };
}

describe('assemblePrompt cost per turn', () => {
  it.each([
    ['history fills the budget, with merges and a summary', { pending: [question] }],
    ['the new message is cut to fit', { pending: [paste] }],
  ])('encodes the same calls and characters with 10 or 10,000 history messages: %s', (_, scenario) => {
    const small = measure(fullHistory.slice(-10), scenario);
    const large = measure(fullHistory, scenario);
    // The budget fills within the newest 10 messages, so the prompts match…
    expect(large.result.messages).toEqual(small.result.messages);
    // …and so does the work, which is not nothing.
    expect(small.encodeCalls).toBeGreaterThan(3);
    expect(large.encodeCalls).toBe(small.encodeCalls);
    expect(large.charactersEncoded).toBe(small.charactersEncoded);
    // Walks back from the newest and stops at the first message that does not fit.
    expect(large.messagesRead).toBe(small.messagesRead);
    expect(large.messagesRead).toBeLessThanOrEqual(10);
  });

  it('exercises merges, the summary and cutting in those scenarios', () => {
    const filled = measure(fullHistory, { pending: [question] }).result;
    expect(filled.messages.length).toBeGreaterThan(4);
    expect(filled.messages[1]!.content).toMatch(/^Summary of the earlier conversation/);
    expect(filled.messages.slice(2).some((m) => m.content.includes('\n\nPerson'))).toBe(true);
    expect(filled.droppedMessages).toBeGreaterThan(9_990);
    const cut = measure(fullHistory, { pending: [paste] }).result;
    expect(cut.truncated).toBe(true);
    expect(cut.messages.at(-1)!.content).toMatch(/^Alice: Long paste:/);
  });

  it('never encodes a stored message that fits alone, even when all 10,000 are sent', () => {
    // Strictly alternating history and a budget that holds it all: nothing merges, nothing is cut,
    // so the only texts encoded are the system prompt, the summary, the separator and the three roles.
    const alternating = fullHistory.filter((_, i) => i % 5 !== 0);
    const fitsAll = { maxContextTokens: 10_000_000, pending: [] };
    const small = measure(alternating.slice(-10), fitsAll);
    const large = measure(alternating, fitsAll);
    expect(large.result.messages).toHaveLength(2 + alternating.length);
    expect(large.result.droppedMessages).toBe(0);
    expect(large.encodeCalls).toBe(small.encodeCalls);
    expect(large.charactersEncoded).toBe(small.charactersEncoded);
    expect(large.encodeCalls).toBeLessThanOrEqual(6);
  });

  it('reads only the newest maxHistoryMessages when that limit binds first', () => {
    const { messagesRead, result } = measure(fullHistory, {
      maxContextTokens: 1_000_000,
      maxHistoryMessages: 25,
    });
    expect(messagesRead).toBe(25);
    expect(result.droppedMessages).toBe(10_000 - 25);
  });
});
