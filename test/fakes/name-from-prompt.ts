import type { WireChatMessage } from './fake-openai-server.ts';

/** A prompt's messages as one text, one message a line: what a test searches for what the model was shown. */
export const promptText = (messages: WireChatMessage[]): string =>
  messages.map((message) => String(message.content)).join('\n');

/**
 * A fake model's answer that knows only what the prompt tells it: the name someone gave ("My name is Alice")
 * anywhere in it, or that it does not know. Memory tests use it with `model.respondWith`.
 */
export function nameFromPrompt(messages: WireChatMessage[]): string {
  const match = /my name is (\w+)/i.exec(promptText(messages));
  return match ? `Your name is ${match[1]}.` : "I don't know your name.";
}
