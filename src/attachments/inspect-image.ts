import { imageSize } from 'image-size';
import type { ImageMimeType } from './attachment.ts';
import { AttachmentError } from './attachment-error.ts';

/** The limits an image must keep to. */
export interface ImageLimits {
  /** Most bytes an image may have (the product's `MAX_IMAGE_BYTES`). */
  maxImageBytes: number;
  /** Most pixels (width × height) its header may claim. */
  maxPixels: number;
}

// image-size's names for the formats `detectFileType` recognizes.
const IMAGE_SIZE_TYPES: Record<ImageMimeType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/**
 * Width and height from an image's header, without decoding it. A header claiming more than `maxPixels` is
 * refused as a decompression bomb (a few kilobytes that would inflate to gigabytes wherever it is decoded:
 * by the provider, a thumbnailer, a later resize step); a header that cannot be read is `corrupt`.
 */
export function inspectImage(
  bytes: Uint8Array,
  mimeType: ImageMimeType,
  limits: ImageLimits,
): { width: number; height: number } {
  if (bytes.byteLength > limits.maxImageBytes) {
    throw new AttachmentError('too_large', { limitBytes: limits.maxImageBytes, sizeBytes: bytes.byteLength });
  }
  let size: { width: number; height: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch (error) {
    throw new AttachmentError(
      'corrupt',
      { note: `unreadable ${formatName(mimeType)} header` },
      { cause: error },
    );
  }
  const { width, height } = size;
  if (size.type !== IMAGE_SIZE_TYPES[mimeType] || !(width > 0 && height > 0)) {
    throw new AttachmentError('corrupt', { note: `unreadable ${formatName(mimeType)} header` });
  }
  if (width * height > limits.maxPixels) {
    throw new AttachmentError('image_too_many_pixels', { width, height, maxPixels: limits.maxPixels });
  }
  return { width, height };
}

function formatName(mimeType: ImageMimeType): string {
  return mimeType === 'image/webp' ? 'WebP' : mimeType.slice('image/'.length).toUpperCase();
}
