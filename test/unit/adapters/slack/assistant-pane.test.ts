import { describe, expect, it } from 'vitest';
import { isPaneCommand, titleOf } from '../../../../adapters/slack/assistant-pane.ts';
import { parseSuggestedPrompts } from '../../../../src/app/suggested-prompts.ts';

describe('commands written plainly in the assistant pane', () => {
  it.each(['usage', 'reset', ' Help ', 'persona: You are terse.', '/memory clear', 'memory:'])(
    '%j is a command',
    (text) => expect(isPaneCommand(text)).toBe(true),
  );
  it.each(['help me write a poem', 'reset my password?', 'usage of semicolons', 'hello', ''])(
    '%j is a question',
    (text) => expect(isPaneCommand(text)).toBe(false),
  );
});

describe('assistant thread titles', () => {
  it('takes the first line of the first question, as plain text, shortened', () => {
    expect(titleOf('What did <@U1> decide?\nmore')).toBe('What did @U1 decide?');
    const long = titleOf('x'.repeat(200));
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
    expect(titleOf('   ')).toBe('New chat');
  });
});

describe('SLACK_SUGGESTED_PROMPTS', () => {
  it('reads JSON strings and objects, or prompts separated by |', () => {
    expect(parseSuggestedPrompts('["Tell me a joke", {"title": "Plan", "message": "Plan my day"}]')).toEqual([
      { title: 'Tell me a joke', message: 'Tell me a joke' },
      { title: 'Plan', message: 'Plan my day' },
    ]);
    expect(parseSuggestedPrompts('Summarize: Summarize this channel | Tell me a joke')).toEqual([
      { title: 'Summarize', message: 'Summarize this channel' },
      { title: 'Tell me a joke', message: 'Tell me a joke' },
    ]);
    expect(parseSuggestedPrompts(undefined)).toBeUndefined();
  });

  it('names the variable when the value is wrong', () => {
    expect(() => parseSuggestedPrompts('[not json')).toThrow(/SLACK_SUGGESTED_PROMPTS is not valid JSON/);
    expect(() => parseSuggestedPrompts('a|b|c|d|e')).toThrow(/at most 4/);
    expect(() => parseSuggestedPrompts('[42]')).toThrow(/SLACK_SUGGESTED_PROMPTS: 42/);
    expect(() => parseSuggestedPrompts(' | ')).toThrow(/names no prompt/);
  });
});
