import type { ChatCompletionContentPartImage } from 'openai/resources/chat/completions';
import type { ResponseInputImage } from 'openai/resources/responses/responses';
import type { PreparedImage } from './attachment.ts';

/** The image as a `data:` URL (base64), as both OpenAI APIs accept it inline. */
export function imageDataUrl(image: Pick<PreparedImage, 'bytes' | 'mimeType'>): string {
  return `data:${image.mimeType};base64,${Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength).toString('base64')}`;
}

/** A Chat Completions user-content part for the image, at the detail its token count assumed. */
export function toChatImagePart(image: PreparedImage): ChatCompletionContentPartImage {
  return { type: 'image_url', image_url: { url: imageDataUrl(image), detail: image.detail } };
}

/** A Responses API input part for the image, at the detail its token count assumed. */
export function toResponsesImagePart(image: PreparedImage): ResponseInputImage {
  return { type: 'input_image', image_url: imageDataUrl(image), detail: image.detail };
}
