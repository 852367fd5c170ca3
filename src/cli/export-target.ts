import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The file name of a session's export, as `/export` names it too: `parley-slack_T1_C1_1700000000.000100.json`. */
export function exportFileName(sessionId: string): string {
  return `parley-${sessionId.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

/**
 * Where `parley export` writes: `--out -` and a redirected or piped stdout (scripts) get the JSON on stdout;
 * at a terminal without `--out`, a file in the export folder (`EXPORT_DIR`, default `./parley-exports`);
 * `--out` naming a folder (one that exists, or written with a trailing `/`) gets the file in it, any other
 * `--out` is the file itself. Folders are created when the file is written.
 */
export async function exportTarget(options: {
  out: string | undefined;
  sessionId: string;
  stdoutIsTerminal: boolean;
  exportDir: string;
}): Promise<{ stdout: true } | { file: string }> {
  const { out, sessionId } = options;
  if (out === '-' || (out === undefined && !options.stdoutIsTerminal)) return { stdout: true };
  if (out === undefined) return { file: join(options.exportDir, exportFileName(sessionId)) };
  if (out.endsWith('/') || (await isFolder(out))) return { file: join(out, exportFileName(sessionId)) };
  return { file: out };
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
