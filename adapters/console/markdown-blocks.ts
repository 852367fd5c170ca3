/**
 * Where the finished Markdown blocks of a reply being streamed end: just after the last blank line that is
 * not inside a code block (``` or ~~~ fences). What comes before it can be rendered for good; the rest may
 * still change meaning (an open `**`, a list or code block going on). 0 when no block is finished.
 */
export function finishedBlocksEnd(text: string): number {
  let inFence = false;
  let end = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineEnd = offset + line.length;
    if (/^\s{0,3}(```|~~~)/.test(line)) inFence = !inFence;
    // A blank line followed by more text (the newline after it exists) ends the blocks before it.
    else if (!inFence && line.trim() === '' && lineEnd < text.length && offset > 0) end = lineEnd + 1;
    offset = lineEnd + 1;
  }
  return end;
}
