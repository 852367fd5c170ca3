import { parseToolSwitches, toolEnabled, withToolSwitch } from '../tools/tool-policy.ts';
import type { ToolRegistry } from '../tools/tool-registry.ts';
import { answer, type CommandHandler, type CommandInvocation } from './command-invocation.ts';

/**
 * `tools` lists the tools this channel may use; `tools on <name>` / `tools off <name>` switch a server or one
 * `server.tool` for the channel (threads in it follow). The switches are stored with the channel's session, like
 * its persona; changing them is an admin's (see `run-command.ts`).
 */
export const toolsCommand: CommandHandler = async (invocation) => {
  const { args } = invocation;
  const registry = invocation.context.tools;
  if (!registry || registry.settings.servers.length === 0) {
    return answer(invocation, 'No tool servers are configured for this bot (`MCP_CONFIG`).');
  }
  if (args.length === 0) return answer(invocation, await toolList(invocation, registry));
  const match = /^(on|off)\s+([A-Za-z0-9_.-]+)$/i.exec(args);
  if (!match) {
    return answer(
      invocation,
      'Use `tools`, `tools on <name>` or `tools off <name>` (a server, or `server.tool`).',
    );
  }
  const on = match[1]!.toLowerCase() === 'on';
  const name = match[2]!;
  const dot = name.indexOf('.');
  const server = dot < 0 ? name : name.slice(0, dot);
  const tool = dot < 0 ? undefined : name.slice(dot + 1);
  const listing = registry.listing().find((entry) => entry.server === server);
  if (!listing) {
    const servers = registry
      .listing()
      .map((entry) => `\`${entry.server}\``)
      .join(', ');
    return answer(invocation, `There is no tool server \`${server}\`. Servers: ${servers}.`);
  }
  if (tool !== undefined && listing.connected && !listing.tools.includes(tool)) {
    return answer(invocation, `The server \`${server}\` has no tool \`${tool}\`.`);
  }
  const { store } = invocation.context;
  const stored = (await store.getMeta(invocation.scopeId)).tools;
  await store.setMeta(invocation.scopeId, { tools: withToolSwitch(stored, { name, on }) });
  return answer(
    invocation,
    `\`${name}\` is now ${on ? 'on' : 'off'} in this channel (threads in it follow it too).`,
  );
};

/** Every configured server with its tools, each marked on or off for this channel. */
async function toolList(invocation: CommandInvocation, registry: ToolRegistry): Promise<string> {
  const switches = parseToolSwitches((await invocation.context.store.getMeta(invocation.scopeId)).tools);
  const lines = ['**Tools in this channel**'];
  for (const entry of registry.listing()) {
    if (!entry.connected) {
      lines.push(`• \`${entry.server}\` — not connected right now`);
      continue;
    }
    const tools = entry.tools.map((tool) => {
      const on = toolEnabled(registry.settings.defaults, switches, entry.server, tool);
      const asks = on && entry.confirmed.includes(tool) ? ' (asks first)' : '';
      return `\`${entry.server}.${tool}\` ${on ? 'on' : 'off'}${asks}`;
    });
    lines.push(`• \`${entry.server}\`: ${tools.join(', ') || 'no tools'}`);
  }
  if (registry.settings.webSearch) lines.push('• web search: on');
  lines.push('Admins switch them with `tools on <name>` / `tools off <name>`.');
  return lines.join('\n');
}
