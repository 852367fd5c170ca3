import { describe, expect, it } from 'vitest';
import { modelToolName } from '../../../src/tools/tool-names.ts';
import { parseToolSwitches, toolEnabled, withToolSwitch } from '../../../src/tools/tool-policy.ts';

describe('tool policy', () => {
  it('starts from TOOLS and lets later channel switches win', () => {
    const all = { kind: 'all' as const };
    const list = { kind: 'list' as const, names: ['fs.read', 'web'] };
    expect(toolEnabled(all, [], 'fs', 'write')).toBe(true);
    expect(toolEnabled({ kind: 'none' }, [], 'fs', 'write')).toBe(false);
    expect(toolEnabled(list, [], 'fs', 'read')).toBe(true);
    expect(toolEnabled(list, [], 'fs', 'write')).toBe(false);
    expect(toolEnabled(list, [], 'web', 'fetch')).toBe(true);
    const switches = parseToolSwitches(
      withToolSwitch(withToolSwitch(undefined, { name: 'fs', on: false }), { name: 'fs.read', on: true }),
    );
    expect(toolEnabled(all, switches, 'fs', 'read')).toBe(true);
    expect(toolEnabled(all, switches, 'fs', 'write')).toBe(false);
  });

  it('replaces earlier switches of the same name or of the server’s tools', () => {
    let stored = withToolSwitch(undefined, { name: 'fs.write', on: false });
    stored = withToolSwitch(stored, { name: 'web', on: false });
    stored = withToolSwitch(stored, { name: 'fs', on: true });
    expect(stored).toBe('-web +fs');
    expect(parseToolSwitches('+ok -also.ok bad ++x')).toEqual([
      { name: 'ok', on: true },
      { name: 'also.ok', on: false },
    ]);
  });

  it('names tools for the model within the API’s characters and length', () => {
    expect(modelToolName('fs', 'read_file')).toBe('fs__read_file');
    expect(modelToolName('my.server', 'tool/x')).toBe('my_server__tool_x');
    expect(modelToolName('s', 'x'.repeat(100))).toHaveLength(64);
  });
});
