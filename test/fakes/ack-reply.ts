import type { ChatCompletionRequestBody, WireChatMessage } from './fake-openai-server.ts';

/*
 * A fake model for fault tests that proves which history each answer was built from. Turn n of a conversation
 * called `name` says only its marker, `<name>-t<n>`; the model answers `ack <marker> after <earlier markers>`,
 * listing every earlier marker found in the prompt's user messages. So a reply shows that the user messages of
 * failed turns stayed in the history, in order.
 */

const MARKER = /\b([a-z]+-t\d+)\b/g;
/** Makes an answer long enough to stream in several chunks. */
const PADDING = 'and a few more words so that the stream arrives in several chunks';

const contentText = (content: WireChatMessage['content']): string =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

/** The marker of turn `turn` of conversation `name`. */
export const marker = (name: string, turn: number): string => `${name}-t${turn}`;

/** Markers of the user messages in a prompt, in prompt order (the last is the turn being answered). */
export function promptMarkers(body: ChatCompletionRequestBody): string[] {
  return body.messages
    .filter((message) => message.role === 'user')
    .flatMap((message) => [...contentText(message.content).matchAll(MARKER)].map((match) => match[1]!));
}

/** The fake model's answer (`model.respondWith(ackReply)`). */
export function ackReply(body: ChatCompletionRequestBody): string {
  const markers = promptMarkers(body);
  const current = markers.at(-1);
  if (!current) return 'ack (no marker)';
  return `ack ${current} after ${markers.slice(0, -1).join(',') || '-'} ${PADDING}`;
}

/** What the model answers to turn `turn` of `name` when every earlier user message is in the prompt. */
export function expectedAnswer(name: string, turn: number): string {
  const earlier = Array.from({ length: turn - 1 }, (_, index) => marker(name, index + 1));
  return `ack ${marker(name, turn)} after ${earlier.join(',') || '-'} ${PADDING}`;
}
