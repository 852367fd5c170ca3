import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the Chat SDK peer lives (read-only; it is copied before installing). */
export const PEER_SOURCE = '/work/shared/peers/chat-sdk-bot';

/** An installed copy of the peer, or why there is none. */
export type PeerInstall = { ok: true; dir: string } | { ok: false; reason: string };

/**
 * Copies `from` into `to` file by file, writing fresh files (the source is read-only, and copies keeping its
 * modes could neither be overwritten on the next run nor receive `node_modules`).
 */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, join(to, entry.name));
    else if (entry.isFile()) writeFileSync(join(to, entry.name), readFileSync(source));
  }
}

/** Runs `command args` in `cwd`; resolves with its exit code and the tail of its output. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ code: -1, tail: String(error) }));
    child.once('exit', (code) => resolve({ code: code ?? -1, tail: output.trim() }));
  });
}

/**
 * A copy of the peer outside the repository with its dependencies installed (`npm ci`), under
 * `~/.cache/parley-bench/chat-sdk-bot-<lock hash>`: reused across runs while its package-lock.json is unchanged.
 * The source is copied on every call, so edits to the peer's code are measured; `node_modules` is kept.
 */
export async function installPeer(progress: (message: string) => void): Promise<PeerInstall> {
  const lockFile = join(PEER_SOURCE, 'package-lock.json');
  if (!existsSync(lockFile)) return { ok: false, reason: `no ${lockFile}` };
  const hash = createHash('sha256').update(readFileSync(lockFile)).digest('hex').slice(0, 12);
  const dir = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'parley-bench',
    `chat-sdk-bot-${hash}`,
  );
  const marker = join(dir, '.installed');
  try {
    copyTree(PEER_SOURCE, dir);
  } catch (error) {
    return { ok: false, reason: `copy failed: ${String(error)}` };
  }
  if (existsSync(marker)) return { ok: true, dir };
  progress(`installing the Chat SDK peer in ${dir} (npm ci)`);
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  const result = await run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  if (result.code !== 0) {
    const lastLine = result.tail.split('\n').filter(Boolean).at(-1) ?? '';
    return { ok: false, reason: `npm ci exited with ${result.code}: ${lastLine}` };
  }
  writeFileSync(marker, new Date().toISOString());
  return { ok: true, dir };
}
