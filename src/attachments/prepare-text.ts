import { getTokenCounter } from '../model/token-counter.ts';
import type { Attachment, PreparedText } from './attachment.ts';
import { capFileText } from './cap-file-text.ts';
import { decodeText } from './decode-text.ts';
import { extractPdfText } from './extract-pdf-text.ts';
import type { ResolvedPrepareOptions } from './prepare-options.ts';
import { renderTextFile } from './render-text-file.ts';
import type { TextFileType } from './text-file-types.ts';

/**
 * Characters of PDF text read per token of the cap: text averages about four characters a token, so four
 * times that leaves the cap, not the extraction, deciding what is kept.
 */
const PDF_CHARS_PER_CAP_TOKEN = 16;

/** A text or source file's outcome: decoded, capped and fenced. */
export function prepareTextFile(
  attachment: Attachment,
  bytes: Uint8Array,
  type: TextFileType,
  options: ResolvedPrepareOptions,
): PreparedText {
  // Windows line ends would cost a token each and show nothing the model needs.
  const text = decodeText(bytes).replace(/\r\n?/g, '\n');
  return buildText(attachment, { ...type, sizeBytes: bytes.byteLength }, text, options);
}

/** A PDF's outcome: its text layer, capped and fenced (or `scanned_pdf` / `corrupt`). */
export async function preparePdf(
  attachment: Attachment,
  bytes: Uint8Array,
  options: ResolvedPrepareOptions,
): Promise<PreparedText> {
  const pdf = await extractPdfText(bytes, options.maxFileTokens * PDF_CHARS_PER_CAP_TOKEN);
  const unread = pdf.pagesRead < pdf.pages ? `pages ${pdf.pagesRead + 1}–${pdf.pages} not read` : undefined;
  const type = {
    kind: 'pdf',
    language: '',
    mimeType: 'application/pdf',
    sizeBytes: bytes.byteLength,
  } as const;
  return buildText(attachment, type, pdf.text, options, { pages: pdf.pages, unread });
}

interface TextShape extends Pick<PreparedText, 'kind' | 'language' | 'mimeType' | 'sizeBytes'> {}

function buildText(
  attachment: Attachment,
  type: TextShape,
  text: string,
  options: ResolvedPrepareOptions,
  pdf?: { pages: number; unread: string | undefined },
): PreparedText {
  const counter = getTokenCounter(options.model);
  const capped = capFileText(counter, text, options.maxFileTokens, pdf?.unread);
  const heading = {
    name: attachment.name,
    mimeType: type.mimeType,
    sizeBytes: type.sizeBytes,
    pages: pdf?.pages,
  };
  const block = renderTextFile(heading, type.language, capped.text);
  return {
    outcome: 'text',
    name: attachment.name,
    ...(attachment.fileId === undefined ? {} : { fileId: attachment.fileId }),
    kind: type.kind,
    mimeType: type.mimeType,
    language: type.language,
    sizeBytes: type.sizeBytes,
    text: capped.text,
    tokens: capped.tokens,
    truncated: capped.truncated,
    block,
    blockTokens: counter.count(block),
  };
}
