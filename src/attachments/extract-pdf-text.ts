import { AttachmentError } from './attachment-error.ts';

/**
 * A PDF's text layer, read with `unpdf` (unjs): PDF.js 5 rebuilt for servers, with no worker, no canvas, no
 * browser and nothing fetched at install, in one dependency-free package. It is pinned to 1.7.0, the last
 * release that supports Node 20 (1.8 requires Node 22). PDF.js 5 calls `Promise.withResolvers`, which Node 20
 * lacks; unpdf's bundle installs a polyfill (and empty `navigator`/`DOMMatrix` globals) when it loads, which is
 * why it is imported lazily — a process that never sees a PDF never loads it. pdfjs-dist itself needs Node
 * 22 from 5.x on, and its 4.x legacy build brings a 30 MB native canvas as an optional dependency.
 */

/** Pages read at most; a longer PDF is marked with the pages left unread. */
export const MAX_PDF_PAGES = 300;

/** What was read from a PDF. */
export interface PdfText {
  /** The text of the pages read, pages separated by blank lines. */
  text: string;
  /** Pages in the document. */
  pages: number;
  /** Pages read (fewer than `pages` when the text budget or `MAX_PDF_PAGES` was reached). */
  pagesRead: number;
}

/**
 * Extracts the text layer of a PDF page by page, stopping once `maxChars` are collected (more than the token
 * cap can use) or `MAX_PDF_PAGES` are read. A PDF whose pages read hold no text is `scanned_pdf`; one PDF.js
 * cannot open (damaged, encrypted with a password) is `corrupt`.
 */
export async function extractPdfText(bytes: Uint8Array, maxChars: number): Promise<PdfText> {
  const { getDocumentProxy } = await import('unpdf');
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: PDF.js may take over (detach) the buffer it is given, and the caller's bytes must stay readable.
    document = await getDocumentProxy(new Uint8Array(bytes), {
      isEvalSupported: false,
      useSystemFonts: false,
      disableFontFace: true,
      verbosity: 0,
    });
  } catch (error) {
    throw new AttachmentError('corrupt', { note: describePdfError(error) }, { cause: error });
  }
  try {
    const pageTexts: string[] = [];
    let chars = 0;
    let failedPages = 0;
    while (pageTexts.length < Math.min(document.numPages, MAX_PDF_PAGES) && chars < maxChars) {
      // One damaged page costs that page, not the document.
      const text = await pageText(document, pageTexts.length + 1).catch(() => {
        failedPages++;
        return '';
      });
      pageTexts.push(text);
      chars += text.length;
    }
    const text = pageTexts
      .map((page) => page.trim())
      .filter((page) => page !== '')
      .join('\n\n');
    if (text === '' && failedPages > 0)
      throw new AttachmentError('corrupt', { note: 'its pages could not be read' });
    if (text === '') throw new AttachmentError('scanned_pdf');
    return { text, pages: document.numPages, pagesRead: pageTexts.length };
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    throw new AttachmentError('corrupt', { note: describePdfError(error) }, { cause: error });
  } finally {
    await document.destroy().catch(() => {});
  }
}

interface PdfPageSource {
  getPage(pageNumber: number): Promise<{ getTextContent(): Promise<{ items: readonly object[] }> }>;
}

async function pageText(document: PdfPageSource, pageNumber: number): Promise<string> {
  const page = await document.getPage(pageNumber);
  const content = await page.getTextContent();
  let text = '';
  for (const item of content.items) {
    // Marked-content items carry no `str`; text items end a line when `hasEOL` says so.
    if ('str' in item && typeof item.str === 'string') text += item.str;
    if ('hasEOL' in item && item.hasEOL === true) text += '\n';
  }
  return text;
}

function describePdfError(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return 'the PDF is password-protected';
  return 'not a readable PDF';
}
