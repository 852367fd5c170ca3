import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyScriptDefinitions } from '../../../src/history/redis/history-scripts.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

/**
 * Every Lua script under src/, whoever's loader reads it, is loaded by exactly one `new URL('./x.lua',
 * import.meta.url)` in one module and compiles on a real Redis, so a stray, doubly loaded or broken script
 * fails the suite rather than the first turn that runs it. A script loaded any other way counts as stray.
 */

const source = fileURLToPath(new URL('../../../src/', import.meta.url));

function filesUnder(directory: string, extension: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return filesUnder(path, extension);
    return entry.name.endsWith(extension) ? [path] : [];
  });
}

/** The `.lua` files a module loads (`new URL('./x.lua', import.meta.url)`), resolved against it. */
function luaReferences(module: string): string[] {
  const text = readFileSync(module, 'utf8');
  return [...text.matchAll(/new URL\(\s*['"`](\.{1,2}\/[^'"`\s]+\.lua)['"`]/g)].map((match) =>
    resolve(dirname(module), match[1]!),
  );
}

/** The Lua without its comments (the header lists KEYS too; only the code counts). */
function withoutComments(lua: string): string {
  return lua.replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, '').replace(/--[^\n]*/g, '');
}

const scripts = filesUnder(source, '.lua').sort();
const references = filesUnder(source, '.ts').flatMap((module) =>
  luaReferences(module).map((script) => ({ module, script })),
);
const name = (path: string) => relative(source, path);

describe('Lua scripts under src/', () => {
  const redis = useTestRedis();

  it('finds the history scripts (the scan is not vacuous)', () => {
    const files = Object.values(historyScriptDefinitions).map((definition) => definition.file);
    for (const file of [...files, 'prelude.lua']) {
      expect(scripts.map(name)).toContain(join('history', 'redis', file));
    }
  });

  it('each is loaded by exactly one module, and every loaded one exists', () => {
    const loaders = Object.fromEntries(
      scripts.map((script) => [
        name(script),
        references.filter((reference) => reference.script === script).map(({ module }) => name(module)),
      ]),
    );
    for (const [script, modules] of Object.entries(loaders)) {
      expect(modules, `${script} is loaded by ${modules.length} references`).toHaveLength(1);
    }
    const missing = references.filter(({ script }) => !scripts.includes(script));
    expect(missing.map(({ module, script }) => `${name(module)} -> ${name(script)}`)).toEqual([]);
  });

  it('each compiles (SCRIPT LOAD) on a real Redis', async () => {
    for (const script of scripts) {
      const lua = readFileSync(script, 'utf8');
      await expect(redis.client.script('LOAD', lua), name(script)).resolves.toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('a script named for its key count uses no KEYS beyond it', () => {
    for (const script of scripts) {
      const keyCount = /-(\d+)\.lua$/.exec(basename(script))?.[1];
      if (keyCount === undefined) continue;
      const lua = withoutComments(readFileSync(script, 'utf8'));
      const used = [...lua.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      expect(Math.max(0, ...used), name(script)).toBeLessThanOrEqual(Number(keyCount));
    }
  });

  it('defines each history script as its file (prelude first where used), with its keys, compiling', async () => {
    const directory = fileURLToPath(new URL('../../../src/history/redis/', import.meta.url));
    const prelude = readFileSync(join(directory, 'prelude.lua'), 'utf8');
    for (const definition of Object.values(historyScriptDefinitions)) {
      const file = readFileSync(join(directory, definition.file), 'utf8');
      expect(definition.lua.endsWith(file), definition.file).toBe(true);
      expect(definition.lua === file || definition.lua.startsWith(prelude), definition.file).toBe(true);
      // The session scripts take a session's history and meta, and those that drop or renew its images also its
      // images set; the forget mark is a key of its own, and the newest page reads the history alone.
      const withImages = ['parleyHistoryCommitTurn', 'parleyHistoryClear', 'parleyHistoryForget'];
      const single = ['parleyHistoryMarkScopeForgotten', 'parleyHistoryNewestPage'];
      expect(definition.numberOfKeys, definition.file).toBe(
        single.includes(definition.command) ? 1 : withImages.includes(definition.command) ? 3 : 2,
      );
      expect(definition.file.endsWith(`-${definition.numberOfKeys}.lua`), definition.file).toBe(true);
      await expect(redis.client.script('LOAD', definition.lua), definition.file).resolves.toMatch(
        /^[0-9a-f]{40}$/,
      );
    }
  });

  it('only forget (it must work on a corrupt session), the newest page (a read) and the forget mark (no session keys) skip the prelude', () => {
    const withoutPrelude = Object.entries(historyScriptDefinitions)
      .filter(([, definition]) => !definition.lua.includes('local function readSession'))
      .map(([command]) => command);
    expect(withoutPrelude).toEqual(['forget', 'newestPage', 'markScopeForgotten']);
  });
});
