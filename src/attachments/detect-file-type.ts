import type { AttachmentKind, ImageMimeType } from './attachment.ts';
import { decodeText, isMostlyPrintable, looksLikeText } from './decode-text.ts';
import { extensionOf, type TextFileType, textTypeByMimeType, textTypeByName } from './text-file-types.ts';

/** What a file is, as its bytes (first), name and reported MIME type show. */
export type DetectedFileType =
  | {
      /** An image format the vision models accept. */
      kind: 'image';
      /** Its format, from the magic bytes. */
      mimeType: ImageMimeType;
    }
  | {
      /** A PDF (by its `%PDF-` header). */
      kind: 'pdf';
    }
  | {
      /** A text or source file. */
      kind: 'text';
      /** Its kind, fence language and MIME type. */
      type: TextFileType;
    }
  | {
      /** Named or reported as an image or PDF, but the bytes are not one. */
      kind: 'corrupt';
      /** What it claimed to be, for the message (`not a valid PNG`). */
      note: string;
    }
  | {
      /** Something this seam does not read. */
      kind: 'unsupported';
      /** What it is, for the message (`a .docx file`). */
      description: string;
    };

const IMAGE_EXTENSIONS: Record<string, string> = {
  png: 'PNG',
  jpg: 'JPEG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
};
/** Where a PDF's header may start: readers accept junk before it within the first kilobyte. */
const PDF_HEADER_WINDOW = 1024;

/**
 * Detects a file's type: magic bytes first (PNG, JPEG, GIF, WebP, PDF), then the name's extension and the
 * reported MIME type, then sniffing for text. A file named or reported as an image or PDF whose bytes are not
 * one (and not text either) is `corrupt`; a file named as text whose bytes are binary is `unsupported`.
 */
export function detectFileType(bytes: Uint8Array, name: string, reportedMimeType?: string): DetectedFileType {
  const image = imageByMagic(bytes);
  if (image) return { kind: 'image', mimeType: image };
  if (isPdf(bytes)) return { kind: 'pdf' };

  const extension = extensionOf(name);
  const byName = textTypeByName(name);
  if (byName) {
    return isMostlyPrintable(decodeText(bytes.subarray(0, 64 * 1024)))
      ? { kind: 'text', type: byName }
      : { kind: 'unsupported', description: `a binary file named .${extension}` };
  }
  const mimeType = reportedMimeType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const claimed = claimedImageOrPdf(extension, mimeType);
  const isText = looksLikeText(bytes);
  if (claimed && !isText) return { kind: 'corrupt', note: `not a valid ${claimed}` };
  if (isText) return { kind: 'text', type: textTypeByMimeType(mimeType) ?? PLAIN_TEXT };
  return { kind: 'unsupported', description: describeBinary(extension, mimeType) };
}

/** The kind a file's name and reported MIME type suggest, for metrics about files never downloaded. */
export function guessKind(name: string, reportedMimeType?: string): AttachmentKind {
  const extension = extensionOf(name);
  const mimeType = reportedMimeType?.toLowerCase() ?? '';
  if (extension === 'pdf' || mimeType === 'application/pdf') return 'pdf';
  if (IMAGE_EXTENSIONS[extension]) return 'image';
  // Before the reported type: an `.svg` reported as `image/svg+xml` is read as XML text.
  if (textTypeByName(name)) return 'text';
  if (mimeType.startsWith('image/')) return 'image';
  if (textTypeByMimeType(mimeType)) return 'text';
  return 'other';
}

const PLAIN_TEXT: TextFileType = { kind: 'text', language: '', mimeType: 'text/plain' };

function imageByMagic(bytes: Uint8Array): ImageMimeType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

function isPdf(bytes: Uint8Array): boolean {
  return ascii(bytes, 0, PDF_HEADER_WINDOW).includes('%PDF-');
}

function claimedImageOrPdf(extension: string, mimeType: string): string | undefined {
  if (extension === 'pdf' || mimeType === 'application/pdf') return 'PDF';
  const image = IMAGE_EXTENSIONS[extension] ?? IMAGE_EXTENSIONS[mimeType.replace(/^image\//, '')];
  return image;
}

function describeBinary(extension: string, mimeType: string): string {
  if (extension !== '') return `a .${extension} file`;
  if (mimeType !== '' && mimeType !== 'application/octet-stream') return `a ${mimeType} file`;
  return 'a binary file';
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}
