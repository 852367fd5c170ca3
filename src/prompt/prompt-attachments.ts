import type { ImageDetail } from '../attachments/attachment.ts';
import { IMAGE_BASE_TOKENS } from '../attachments/image-tokens.ts';
import { safeName } from '../attachments/render-text-file.ts';
import type { StoredAttachment, StoredMessage } from '../history/history-store.ts';

/**
 * How a stored message's attachments read in the prompt. Only users' messages carry them. In stored order, each
 * text file adds its fenced block and each image a line naming it, `[image screenshot.png]`, after the message's
 * own text, separated by blank lines; the image itself travels as a content part after the text (filled in by
 * the caller, see `attach-prompt-images.ts`). An image the prompt cannot afford keeps its line, reworded
 * `[image screenshot.png omitted: prompt budget]`, so the model knows there was one. Skipped files add nothing
 * (the person was told at the time), nor does an image without a hash or a token count.
 */

/** Between a message's text and each attachment's block or line. */
export const ATTACHMENT_SEPARATOR = '\n\n';

/** What attachment rendering reads of a message; without a role it has none that count. */
export type AttachmentHolder = Partial<Pick<StoredMessage, 'role' | 'attachments'>>;

/** Why images were left out of a prompt. */
export type ImageOmission = 'prompt budget' | 'images off';

/** An image a stored message sends, as far as prompt assembly knows it (it has no bytes). */
export interface PromptImageAttachment {
  /** File name as shown. */
  name: string;
  /** Content hash of the bytes (`HistoryStore.loadImages`). */
  sha256: string;
  /** Input tokens it costs (`StoredAttachment.tokens`). */
  tokens: number;
}

/** The attachments of a message that reach the prompt (users' messages only). */
function attachmentsOf(message: AttachmentHolder): readonly StoredAttachment[] {
  return message.role === 'user' && message.attachments !== undefined ? message.attachments : [];
}

function asImage(attachment: StoredAttachment): PromptImageAttachment | undefined {
  const { kind, sha256, tokens } = attachment;
  if (kind !== 'image' || !sha256 || tokens === undefined || !(tokens >= 0)) return undefined;
  return { name: attachment.name, sha256, tokens };
}

function textBlock(attachment: StoredAttachment): string | undefined {
  return attachment.kind === 'text' && attachment.text && attachment.text.trim() !== ''
    ? attachment.text
    : undefined;
}

/** The images a message sends, in stored order. */
export function promptImages(message: AttachmentHolder): PromptImageAttachment[] {
  const images: PromptImageAttachment[] = [];
  for (const attachment of attachmentsOf(message)) {
    const image = asImage(attachment);
    if (image) images.push(image);
  }
  return images;
}

/** Tokens of a message's images; its `tokens` minus this is what its text costs. */
export function imageTokensOf(message: AttachmentHolder): number {
  return promptImages(message).reduce((sum, image) => sum + image.tokens, 0);
}

/** Whether a message has an attachment that reaches the prompt. */
export function hasPromptAttachments(message: AttachmentHolder): boolean {
  return attachmentsOf(message).some((a) => textBlock(a) !== undefined || asImage(a) !== undefined);
}

/**
 * The blocks and image lines a message's attachments add, in order. `imagesKept` of its images (the newest, i.e.
 * the last ones) are sent; the others are named as omitted for `omission`.
 */
export function attachmentLines(
  message: AttachmentHolder,
  imagesKept: number,
  omission: ImageOmission,
): string[] {
  const lines: string[] = [];
  const imageCount = promptImages(message).length;
  let imageIndex = 0;
  for (const attachment of attachmentsOf(message)) {
    const block = textBlock(attachment);
    if (block !== undefined) lines.push(block);
    else if (asImage(attachment)) {
      const kept = imageIndex++ >= imageCount - imagesKept;
      const name = safeName(attachment.name);
      lines.push(kept ? `[image ${name}]` : `[image ${name} omitted: ${omission}]`);
    }
  }
  return lines;
}

/**
 * The `detail` to send a stored image at. Its token count was taken at the detail configured when it arrived,
 * which is not stored: a count of the flat low cost means `low`; any other was counted as `high` (as `auto` is),
 * so the configured `high` or `auto` stays within it, and `low` costs less.
 */
export function sendDetail(image: PromptImageAttachment, configured: ImageDetail): ImageDetail {
  return image.tokens <= IMAGE_BASE_TOKENS ? 'low' : configured;
}
