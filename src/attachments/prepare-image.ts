import { createHash } from 'node:crypto';
import type { Attachment, ImageMimeType, PreparedImage } from './attachment.ts';
import { AttachmentError } from './attachment-error.ts';
import { imageTokens } from './image-tokens.ts';
import { inspectImage } from './inspect-image.ts';
import type { ResolvedPrepareOptions } from './prepare-options.ts';

/** An image's outcome: refused when vision is off, too large or a decompression bomb; otherwise measured. */
export function prepareImage(
  attachment: Attachment,
  bytes: Uint8Array,
  mimeType: ImageMimeType,
  options: ResolvedPrepareOptions,
): PreparedImage {
  if (!options.vision) throw new AttachmentError('vision_off');
  const { width, height } = inspectImage(bytes, mimeType, options);
  return {
    outcome: 'image',
    name: attachment.name,
    ...(attachment.fileId === undefined ? {} : { fileId: attachment.fileId }),
    bytes,
    mimeType,
    width,
    height,
    detail: options.imageDetail,
    tokens: imageTokens(width, height, options.imageDetail),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
