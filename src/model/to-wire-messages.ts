import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { EasyInputMessage } from 'openai/resources/responses/responses';
import type { ChatMessage, PromptImage } from './model-client.ts';
import { isToolExchange, toChatToolMessage } from './tool-wire-messages.ts';

/**
 * How a `ChatMessage` goes on the wire of each API. A user message with images becomes content parts — its text
 * first, then the images in order, as inline `data:` URLs at the detail their token count assumed; every other
 * message is sent as `{ role, content }`, exactly as before images existed. Only user messages carry images
 * (both APIs refuse image parts from the assistant), so images on another role are not sent.
 */

/** What an image is assumed to cost when the endpoint reports no usage: `low` is flat, else a 1024² picture. */
const ESTIMATED_IMAGE_TOKENS: Record<PromptImage['detail'], number> = { low: 85, high: 765, auto: 765 };

/** The image as a `data:` URL. */
export function promptImageUrl(image: PromptImage): string {
  return `data:${image.mimeType};base64,${image.dataBase64}`;
}

/** The images a message sends (none unless it is a user message with some). */
export function sentImages(message: ChatMessage): readonly PromptImage[] {
  return message.role === 'user' && message.images !== undefined ? message.images : [];
}

/** A message as a Chat Completions `messages` entry. */
export function toChatCompletionMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (isToolExchange(message)) return toChatToolMessage(message);
  const images = sentImages(message);
  if (images.length === 0)
    return { role: message.role as 'system' | 'user' | 'assistant', content: message.content };
  return {
    role: 'user',
    content: [
      { type: 'text', text: message.content },
      ...images.map((image) => ({
        type: 'image_url' as const,
        image_url: { url: promptImageUrl(image), detail: image.detail },
      })),
    ],
  };
}

/** A message as a Responses API `input` message (the client sends system messages as `instructions` instead). */
export function toResponsesInputMessage(message: ChatMessage): EasyInputMessage {
  const images = sentImages(message);
  if (images.length === 0)
    return { role: message.role as 'system' | 'user' | 'assistant', content: message.content };
  return {
    role: 'user',
    content: [
      { type: 'input_text', text: message.content },
      ...images.map((image) => ({
        type: 'input_image' as const,
        image_url: promptImageUrl(image),
        detail: image.detail,
      })),
    ],
  };
}

/**
 * A local estimate of what a message's content costs: its text by `estimate`, plus a fixed guess per image — the
 * base64 bytes are not text the model reads, and counting them as text would overstate a screenshot a
 * hundredfold.
 */
export function estimateContentTokens(message: ChatMessage, estimate: (text: string) => number): number {
  let tokens = estimate(message.content);
  for (const call of message.toolCalls ?? []) tokens += estimate(call.name) + estimate(call.arguments);
  for (const image of sentImages(message)) tokens += ESTIMATED_IMAGE_TOKENS[image.detail];
  return tokens;
}
