import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Lines kept in the history file; older ones are dropped when it is written. */
export const MAX_HISTORY_LINES = 500;

/**
 * The lines typed in earlier runs, newest first (as readline's `history` option wants them); none when the
 * file is missing or unreadable: a history that cannot be read never keeps the chat from starting.
 */
export async function readLineHistory(path: string, limit = MAX_HISTORY_LINES): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .slice(-limit)
      .reverse();
  } catch {
    return [];
  }
}

/**
 * Writes the history (newest first, as readline keeps it) oldest first, one line each, at most `limit`
 * lines; the folder is created when missing. Written to a temporary file and renamed, so a crash mid-write
 * never leaves half a history. Rejects on failure; the caller decides that the chat goes on.
 */
export async function writeLineHistory(
  path: string,
  newestFirst: readonly string[],
  limit = MAX_HISTORY_LINES,
): Promise<void> {
  const lines = newestFirst.slice(0, limit).reverse();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
  await rename(temporary, path);
}
