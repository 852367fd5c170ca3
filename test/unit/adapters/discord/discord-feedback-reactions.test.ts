import { describe, expect, it } from 'vitest';
import { feedbackOfEmoji } from '../../../../adapters/discord/feedback-reactions.ts';

describe('feedbackOfEmoji', () => {
  it('reads 👍 and 👎 in every skin tone, and nothing else', () => {
    expect(feedbackOfEmoji('👍')).toBe('up');
    expect(feedbackOfEmoji('👍🏿')).toBe('up');
    expect(feedbackOfEmoji('👎')).toBe('down');
    expect(feedbackOfEmoji('👎🏻')).toBe('down');
    for (const other of ['🎉', '', 'thumbsup', '👍👍', '🏽']) expect(feedbackOfEmoji(other)).toBeUndefined();
  });
});
