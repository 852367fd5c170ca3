/** Longest text Parley puts in one Slack message: well below the point where `msg_too_long` appears. */
export const SLACK_MESSAGE_LIMIT = 3500;

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)/;

interface OpenFence {
  /** The fence characters that close the block (e.g. ```` ``` ````). */
  marker: string;
  /** The line that reopens the block in the next part (marker and language). */
  reopen: string;
}

/** The fence state after `line`, given the state before it. */
function fenceAfter(fence: OpenFence | undefined, line: string): OpenFence | undefined {
  const match = FENCE.exec(line);
  if (fence !== undefined) {
    const trimmed = line.trim();
    const closes =
      trimmed.length >= fence.marker.length && trimmed === fence.marker[0]!.repeat(trimmed.length);
    return closes ? undefined : fence;
  }
  if (!match) return undefined;
  const marker = match[1]!;
  return { marker, reopen: `${marker}${(match[2] ?? '').slice(0, 32)}` };
}

/** Splits lines longer than `max` at the last whitespace (or hard, without splitting a surrogate pair). */
function wrapLongLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  for (let line of lines) {
    while (line.length > max) {
      let cut = line.lastIndexOf(' ', max - 1) + 1;
      if (cut < max / 2) {
        cut = max;
        const code = line.charCodeAt(cut - 1);
        if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
      }
      out.push(line.slice(0, cut));
      line = line.slice(cut);
    }
    out.push(line);
  }
  return out;
}

/**
 * The last good place to cut `lines` (outside code: after a blank line, before a fence, after a closing
 * fence), as the number of lines that go before the cut; 0 when there is none.
 */
function preferredCut(lines: string[]): number {
  let fence: OpenFence | undefined;
  let best = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const before = fence;
    fence = fenceAfter(fence, line);
    if (index === 0) continue;
    const previousBlank = lines[index - 1]!.trim() === '';
    const opensFence = before === undefined && fence !== undefined;
    if (before === undefined && (previousBlank || opensFence)) best = index;
    if (before !== undefined && fence === undefined && index + 1 < lines.length) best = index + 1;
  }
  return best;
}

function joinedLength(lines: string[]): number {
  return lines.reduce((sum, line) => sum + line.length, 0) + Math.max(0, lines.length - 1);
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}

/**
 * Splits mrkdwn text into messages of at most `limit` characters, cutting between paragraphs or code blocks
 * where possible and otherwise between lines (words, for a line longer than the limit allows). A code block
 * too large for one message is closed at the cut and reopened, with its language, in the next part, so
 * every part has balanced fences.
 */
export function splitMessage(text: string, limit: number = SLACK_MESSAGE_LIMIT): string[] {
  if (limit < 100) throw new Error(`message limit ${limit} is too small`);
  if (text.length <= limit) return [text];

  const lines = wrapLongLines(text.split('\n'), Math.floor(limit * 0.75));
  const parts: string[] = [];
  const flush = (chunk: string[]) => {
    const trimmed = trimBlankEdges(chunk);
    if (trimmed.length > 0) parts.push(trimmed.join('\n'));
  };

  let current: string[] = [];
  let fence: OpenFence | undefined;
  for (const line of lines) {
    const next = fenceAfter(fence, line);
    const closing = next === undefined ? 0 : next.marker.length + 1;
    while (current.length > 0 && joinedLength([...current, line]) + closing > limit) {
      const cut = preferredCut(current);
      if (cut > 0 && joinedLength(current.slice(0, cut)) >= limit / 3) {
        flush(current.slice(0, cut));
        current = current.slice(cut);
        continue;
      }
      if (fence !== undefined) {
        if (current.length === 1 && current[0] === fence.reopen) break; // nothing left to move: accept
        flush([...current, fence.marker]);
        current = [fence.reopen];
        continue;
      }
      flush(current);
      current = [];
    }
    current.push(line);
    fence = next;
  }
  flush(current);
  return parts;
}
