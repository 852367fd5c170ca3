import { describe, expect, it } from 'vitest';
import {
  argumentsForDisplay,
  confirmControlId,
  newQuestionId,
  parseConfirmControlId,
} from '../../../src/tools/tool-confirmation.ts';

describe('tool confirmation button ids', () => {
  it('round-trip the question, the answer and who may give it, within Discord’s 100 characters', () => {
    const questionId = newQuestionId();
    for (const approved of [true, false]) {
      const id = confirmControlId({ questionId, approved, askerId: '123456789012345678' });
      expect(id.length).toBeLessThanOrEqual(100);
      expect(id.startsWith('parley_tool_confirm:')).toBe(true);
      expect(parseConfirmControlId(id)).toEqual({ questionId, approved, askerId: '123456789012345678' });
    }
  });

  it('reject ids that are not a question’s buttons', () => {
    expect(parseConfirmControlId('parley_stop')).toBeUndefined();
    expect(parseConfirmControlId('parley_tool_confirm:maybe:0123456789abcdef:U1')).toBeUndefined();
    expect(parseConfirmControlId('parley_tool_confirm:approve:short:U1')).toBeUndefined();
    expect(parseConfirmControlId('parley_tool_confirm:approve:0123456789abcdef:U1 extra')).toBeUndefined();
  });
});

describe('arguments shown in a question', () => {
  it('are pretty JSON without backticks, shortened past 500 characters', () => {
    expect(argumentsForDisplay('{"path":"`rm`"}')).toBe('{\n  "path": "\'rm\'"\n}');
    expect(argumentsForDisplay('')).toBe('{}');
    expect(argumentsForDisplay(`{"text":"${'x'.repeat(600)}"}`)).toHaveLength(501);
    expect(argumentsForDisplay('{not json')).toBe('{not json');
  });
});
