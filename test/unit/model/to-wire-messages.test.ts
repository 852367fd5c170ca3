import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/model/model-client.ts';
import {
  estimateContentTokens,
  toChatCompletionMessage,
  toResponsesInputMessage,
} from '../../../src/model/to-wire-messages.ts';

const png = { mimeType: 'image/png', dataBase64: 'iVBORw0KGgo=', detail: 'auto' as const };

describe('toChatCompletionMessage and toResponsesInputMessage', () => {
  it('send a message without images as role and content only', () => {
    for (const message of [
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'hi', images: [] },
      { role: 'assistant', content: 'hello' },
      { role: 'system', content: 'be terse' },
    ] satisfies ChatMessage[]) {
      expect(toChatCompletionMessage(message)).toEqual({ role: message.role, content: message.content });
      expect(toResponsesInputMessage(message)).toEqual({ role: message.role, content: message.content });
    }
  });

  it('send images only with user messages', () => {
    const assistant: ChatMessage = { role: 'assistant', content: 'look', images: [png] };
    expect(toChatCompletionMessage(assistant)).toEqual({ role: 'assistant', content: 'look' });
    expect(toResponsesInputMessage(assistant)).toEqual({ role: 'assistant', content: 'look' });
    expect(estimateContentTokens(assistant, (text) => text.length)).toBe(4);
  });

  it('put the text first, then each image as a data URL at its detail', () => {
    const message: ChatMessage = { role: 'user', content: 'see', images: [png] };
    expect(toChatCompletionMessage(message)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'see' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' } },
      ],
    });
    expect(toResponsesInputMessage(message)).toEqual({
      role: 'user',
      content: [
        { type: 'input_text', text: 'see' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
      ],
    });
  });

  it('estimate images at a fixed cost by detail, never their base64', () => {
    const huge = { ...png, dataBase64: 'A'.repeat(1_000_000) };
    const estimate = (text: string) => Math.ceil(text.length / 4);
    const message: ChatMessage = { role: 'user', content: 'abcd', images: [huge, { ...png, detail: 'low' }] };
    expect(estimateContentTokens(message, estimate)).toBe(1 + 765 + 85);
  });
});
