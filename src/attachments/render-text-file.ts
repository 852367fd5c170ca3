import { formatBytes } from './format-bytes.ts';

/** What the heading of a file's block names. */
export interface TextFileHeading {
  /** The file's name as uploaded. */
  name: string;
  /** Its detected MIME type. */
  mimeType: string;
  /** Its size in bytes. */
  sizeBytes: number;
  /** Pages, for a PDF. */
  pages?: number;
}

/**
 * A file's text as the prompt shows it:
 *
 *     File report.csv (text/csv, 12 KB):
 *     ```csv
 *     …
 *     ```
 *
 * The fence is one backtick longer than the longest run of backticks in the text (at least three), so a file
 * that contains a fence of its own cannot close this one and have the rest read as instructions. Control
 * characters in the name (a newline could start a line of its own) become spaces.
 */
export function renderTextFile(heading: TextFileHeading, language: string, text: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  const pages =
    heading.pages === undefined ? '' : `, ${heading.pages} ${heading.pages === 1 ? 'page' : 'pages'}`;
  const title = `File ${safeName(heading.name)} (${heading.mimeType}, ${formatBytes(heading.sizeBytes)}${pages}):`;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${title}\n${fence}${language}\n${body}${fence}`;
}

/** The name with control characters (newlines included) replaced by spaces. */
export function safeName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return name.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').trim() || 'unnamed file';
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}
