import type { ToolDefaults } from './mcp-server-settings.ts';

/**
 * Which tools a channel may use: the `TOOLS` default, then the channel's switches (`tools on|off <name>`) in the
 * order an admin made them, a later switch overriding an earlier one. A name is a server (`fs`, all of its
 * tools) or one tool (`fs.read_file`). The switches are stored with the channel's conversation as one line,
 * `+fs -fs.write_file`, so threads in the channel follow them.
 */

/** One switch. */
export interface ToolSwitch {
  /** A server or `server.tool`. */
  name: string;
  /** Switched on (true) or off. */
  on: boolean;
}

/** The stored line of switches, read leniently: anything unreadable is ignored rather than fatal. */
export function parseToolSwitches(stored: string | undefined): ToolSwitch[] {
  if (!stored) return [];
  return stored
    .split(/\s+/)
    .filter((item) => /^[+-][A-Za-z0-9_.-]+$/.test(item))
    .map((item) => ({ name: item.slice(1), on: item.startsWith('+') }));
}

/** The switches with one more: earlier switches of the same name, or of that server's tools, give way. */
export function withToolSwitch(stored: string | undefined, next: ToolSwitch): string {
  const kept = parseToolSwitches(stored).filter(
    (item) => item.name !== next.name && !item.name.startsWith(`${next.name}.`),
  );
  return [...kept, next].map((item) => `${item.on ? '+' : '-'}${item.name}`).join(' ');
}

/** Whether tool `tool` of server `server` may be used under these defaults and switches. */
export function toolEnabled(
  defaults: ToolDefaults,
  switches: readonly ToolSwitch[],
  server: string,
  tool: string,
): boolean {
  const full = `${server}.${tool}`;
  let enabled =
    defaults.kind === 'all' ||
    (defaults.kind === 'list' && (defaults.names.includes(server) || defaults.names.includes(full)));
  for (const item of switches) if (item.name === server || item.name === full) enabled = item.on;
  return enabled;
}
