import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Attachment } from '../../src/attachments/attachment.ts';

/**
 * Largest file `/attach` reads into memory. The worker refuses files over its own limit with a sentence of its
 * own; this only keeps a mistyped path (a disk image) from filling the terminal's memory.
 */
export const MAX_CONSOLE_ATTACHMENT_BYTES = 100 * 1024 * 1024;

/** The path `/attach` was given: surrounding quotes removed, `~` for the home folder, relative to `cwd`. */
export function attachmentPath(argument: string, cwd: string = process.cwd()): string {
  const unquoted = argument.trim().replace(/^(['"])(.*)\1$/, '$2');
  const expanded = unquoted === '~' || unquoted.startsWith('~/') ? homedir() + unquoted.slice(1) : unquoted;
  return resolve(cwd, expanded);
}

/**
 * Reads a file for `/attach`: an attachment of its bytes (`platform: 'console'`), or a sentence saying why it
 * cannot be attached (missing, a folder, unreadable, too large).
 */
export async function readAttachment(
  argument: string,
  cwd?: string,
): Promise<{ attachment: Attachment } | { error: string }> {
  if (argument.trim() === '')
    return { error: 'Usage: /attach <path> (the file goes with your next message).' };
  const path = attachmentPath(argument, cwd);
  try {
    const info = await stat(path);
    if (!info.isFile()) return { error: `${path} is not a file.` };
    if (info.size > MAX_CONSOLE_ATTACHMENT_BYTES) {
      return { error: `${path} is too large to attach (${Math.ceil(info.size / 1024 / 1024)} MB).` };
    }
    const bytes = new Uint8Array(await readFile(path));
    return {
      attachment: {
        name: basename(path),
        sizeBytes: bytes.byteLength,
        source: { type: 'bytes', bytes },
        platform: 'console',
      },
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: `No file at ${path}.` };
    if (code === 'EACCES' || code === 'EPERM')
      return { error: `${path} cannot be read (permission denied).` };
    return { error: `${path} cannot be read (${code ?? String(error)}).` };
  }
}
