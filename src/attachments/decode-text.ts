/** Share of control characters (other than tab, newline, carriage return, form feed) a text file may hold. */
const MAX_CONTROL_SHARE = 0.01;
/** Bytes looked at when sniffing; enough to tell text from binary without scanning a large file twice. */
const SNIFF_BYTES = 64 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Whether bytes look like text: no NUL, valid UTF-8 (a multi-byte character cut at the sniff window's end is
 * allowed) and few control characters. Binary formats (archives, executables, office files) fail on the first
 * two; a text file in a legacy 8-bit encoding fails too and is then read only if its name says it is text.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  const window = bytes.subarray(0, SNIFF_BYTES);
  if (startsWith(window, [0xff, 0xfe]) || startsWith(window, [0xfe, 0xff]))
    return isMostlyPrintable(decodeText(window));
  if (window.includes(0)) return false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(window, { stream: window.length < bytes.length });
  } catch {
    return false;
  }
  return controlShare(text) <= MAX_CONTROL_SHARE;
}

/**
 * The text of a file: UTF-8 with its byte-order mark stripped, or UTF-16 when it opens with a UTF-16 mark.
 * Bytes that are not valid UTF-8 are read as Windows-1252 (what Excel writes CSVs in) rather than dropped.
 */
export function decodeText(bytes: Uint8Array): string {
  if (startsWith(bytes, UTF8_BOM)) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

// Windows-1252's 0x80–0x9F (where it differs from Latin-1); the holes stay as they are. Decoded by hand because
// Node 20's TextDecoder reads the `windows-1252` label as plain Latin-1 (0x80 comes out as U+0080, not €).
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    const chunk = bytes.subarray(start, start + 8192);
    text += String.fromCharCode(
      ...Array.from(chunk, (byte) =>
        byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH.charCodeAt(byte - 0x80) : byte,
      ),
    );
  }
  return text;
}

/** Whether decoded text is still mostly printable (a name-labelled file that turns out binary is not). */
export function isMostlyPrintable(text: string): boolean {
  const window = text.slice(0, SNIFF_BYTES);
  return !window.includes('\u0000') && controlShare(window) <= MAX_CONTROL_SHARE;
}

function controlShare(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) || code === 0x7f) {
      controls++;
    }
  }
  return controls / text.length;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}
