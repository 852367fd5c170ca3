import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLineHistory, writeLineHistory } from '../../../../adapters/console/line-history-file.ts';
import { finishedBlocksEnd } from '../../../../adapters/console/markdown-blocks.ts';
import { createTerminalCursor } from '../../../../adapters/console/terminal-cursor.ts';
import { createTerminalMarkdown } from '../../../../adapters/console/terminal-markdown.ts';
import { fullNameFromPasswd } from '../../../../adapters/console/user-full-name.ts';
import { terminalScreen } from '../../../helpers/terminal-screen.ts';

describe('finishedBlocksEnd', () => {
  it('ends after the last blank line outside code blocks', () => {
    expect(finishedBlocksEnd('one paragraph, still going')).toBe(0);
    expect(finishedBlocksEnd('First.\n\nSecond, still')).toBe('First.\n\n'.length);
    const fenced = 'Code:\n\n```\na\n\nb';
    expect(finishedBlocksEnd(fenced)).toBe('Code:\n\n'.length);
    const closed = `${fenced}\n${'```'}\n\n`;
    expect(finishedBlocksEnd(`${closed}After`)).toBe(closed.length);
  });
});

describe('terminal markdown', () => {
  it('renders bold, code, lists (with inline Markdown) and code blocks as plain text without colour', () => {
    const markdown = '**Usage**: `x`\n\n- one **b**\n- two\n\n```\nlet a = 1;\n```';
    // Colours themselves are checked on a real pseudo-terminal (console-terminal.e2e.test.ts).
    const plain = createTerminalMarkdown({ color: false })(markdown);
    expect(plain).toBe('Usage: x\n\n  * one b\n  * two\n\n  let a = 1;');
    expect(plain).not.toContain('\x1b');
  });
});

describe('terminal cursor', () => {
  it('erases what it followed, wrapped lines included, and refuses what scrolled away', () => {
    const size = { columns: 10, rows: 5 };
    const cursor = createTerminalCursor(() => size);
    cursor.wrote('Bot: ');
    const streamed = 'raw **text** that wraps';
    cursor.wrote(streamed);
    const codes = cursor.eraseCodes(streamed, 5)!;
    // 5 + 23 characters on 10 columns: three rows, so two up.
    expect(codes).toBe('\x1b[2A\r\x1b[5C\x1b[J');
    expect(terminalScreen(`Bot: ${streamed}${codes}rendered`, 10, 5)).toEqual(['Bot: rende', 'red']);
    expect(cursor.eraseCodes('x\n'.repeat(6), 0)).toBeUndefined();
  });
});

describe('line history file', () => {
  it('keeps the newest lines, oldest first on disk and newest first for readline', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'parley-lines-')), 'deeper', 'history');
    expect(await readLineHistory(path)).toEqual([]);
    await writeLineHistory(path, ['third', 'second', 'first'], 2);
    expect(readFileSync(path, 'utf8')).toBe('second\nthird\n');
    writeFileSync(path, 'a\n\nb\nc\n');
    expect(await readLineHistory(path, 2)).toEqual(['c', 'b']);
  });

  it('rejects when the file cannot be written, for the caller to ignore', async () => {
    const blocked = join(mkdtempSync(join(tmpdir(), 'parley-lines-')), 'file');
    writeFileSync(blocked, '');
    await expect(writeLineHistory(join(blocked, 'history'), ['x'])).rejects.toThrow();
  });
});

describe('fullNameFromPasswd', () => {
  it('reads the GECOS full name, or nothing', () => {
    expect(fullNameFromPasswd('alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash')).toBe(
      'Alice Liddell',
    );
    expect(fullNameFromPasswd('root:x:0:0::/root:/bin/bash')).toBeUndefined();
    expect(fullNameFromPasswd('garbage')).toBeUndefined();
  });
});
