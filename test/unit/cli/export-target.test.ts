import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportFileName, exportTarget } from '../../../src/cli/export-target.ts';
import { scopeOf } from '../../../src/cli/session-tools.ts';

describe('exportTarget', () => {
  const base = { sessionId: 'slack:T1:C1:1.2', exportDir: '/exports' };
  it('writes to stdout when piped or asked, into the export folder at a terminal', async () => {
    expect(await exportTarget({ ...base, out: undefined, stdoutIsTerminal: false })).toEqual({
      stdout: true,
    });
    expect(await exportTarget({ ...base, out: '-', stdoutIsTerminal: true })).toEqual({ stdout: true });
    expect(await exportTarget({ ...base, out: undefined, stdoutIsTerminal: true })).toEqual({
      file: '/exports/parley-slack_T1_C1_1.2.json',
    });
  });

  it('puts the file in a folder given to --out, or writes the file named', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'parley-target-'));
    const name = exportFileName('slack:T1:C1:1.2');
    expect(await exportTarget({ ...base, out: folder, stdoutIsTerminal: false })).toEqual({
      file: join(folder, name),
    });
    expect(await exportTarget({ ...base, out: 'new/', stdoutIsTerminal: false })).toEqual({
      file: join('new', name),
    });
    expect(await exportTarget({ ...base, out: 'a.json', stdoutIsTerminal: true })).toEqual({
      file: 'a.json',
    });
  });
});

describe('scopeOf', () => {
  it("knows a Slack thread's channel from its ID, and nothing else's", () => {
    expect(scopeOf('slack:T1:C1:1700000000.000100')).toBe('slack:T1:C1');
    expect(scopeOf('slack:T1:C1')).toBeUndefined();
    expect(scopeOf('slack:T1:C1:1700000000.000100:d20260101')).toBeUndefined();
    expect(scopeOf('discord:G1:TH1')).toBeUndefined();
    expect(scopeOf('console:alice')).toBeUndefined();
  });
});
