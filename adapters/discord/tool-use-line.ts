/** The short line a Discord reply shows while tools run, in Discord's small "subtext" Markdown. */
export function toolUseLine(toolNames: readonly string[]): string {
  return `-# Using ${toolNames.map((name) => `\`${name}\``).join(', ')}…`;
}
