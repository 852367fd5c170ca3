/** How an MCP tool is named for the model, and for people. */

/** The name offered to the model: `server__tool`, in the characters and length both OpenAI APIs accept. */
export function modelToolName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** The name people see and `TOOLS` / `tools on|off` use: `server.tool`. */
export function displayToolName(server: string, tool: string): string {
  return `${server}.${tool}`;
}
