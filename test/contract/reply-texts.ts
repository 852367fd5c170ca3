// Texts for the reply-channel contract, and the checks that read them back out of posted messages. Every
// word is numbered, so a piece that went missing, came twice or moved shows up in `substance`.

/** A fence line: opening (with a language) or closing. */
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/** Lines of a code block's body; each starts with four spaces, which no prose line does. */
export const CODE_LINE = /^ {4}\S/;

/** Prose of at least `length` characters in lines of ten words, words numbered after `seed`. */
export function prose(seed: string, length: number): string {
  const lines: string[] = [];
  let words: string[] = [];
  let size = 0;
  for (let index = 0; size < length; index++) {
    const word = `${seed}${index}`;
    words.push(word);
    size += word.length + 1;
    if (words.length === 10) {
      lines.push(words.join(' '));
      words = [];
    }
  }
  if (words.length > 0) lines.push(words.join(' '));
  return lines.join('\n');
}

/** A fenced Python block of at least `length` characters, its lines numbered after `seed`. */
export function fencedBlock(seed: string, length: number): string {
  const lines = ['```python'];
  let size = 0;
  for (let index = 0; size < length; index++) {
    const line = `    total = total + step(values, ${seed}${index})`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('```');
  return lines.join('\n');
}

/** Paragraphs (prose or code blocks) as a Markdown reply. */
export function paragraphs(...blocks: string[]): string {
  return blocks.join('\n\n');
}

/** The text without fence lines and whitespace: what must survive splitting, in order, exactly once. */
export function substance(text: string): string {
  return text
    .split('\n')
    .filter((line) => !FENCE_LINE.test(line))
    .join('')
    .replace(/\s+/g, '');
}

/** How many fence lines the text has (even when every block is closed). */
export function fenceCount(text: string): number {
  return text.split('\n').filter((line) => FENCE_LINE.test(line)).length;
}

/** Code lines of the text that are not inside a fenced block (they would render as prose). */
export function codeOutsideFences(text: string): string[] {
  const stray: string[] = [];
  let open = false;
  for (const line of text.split('\n')) {
    if (FENCE_LINE.test(line)) open = !open;
    else if (!open && CODE_LINE.test(line)) stray.push(line);
  }
  return stray;
}
