import { PermissionFlagsBits } from 'discord.js';

/** What the bot needs in a server: see channels, answer in them and in threads, start threads, read replies. */
export const REQUIRED_PERMISSIONS: ReadonlyArray<keyof typeof PermissionFlagsBits> = [
  'ViewChannel',
  'SendMessages',
  'SendMessagesInThreads',
  'CreatePublicThreads',
  'ReadMessageHistory',
];

/** The permission bitfield of `REQUIRED_PERMISSIONS`, as Discord writes it (a decimal string). */
export function requiredPermissions(): string {
  return REQUIRED_PERMISSIONS.reduce((bits, name) => bits | PermissionFlagsBits[name], 0n).toString();
}

/** OAuth2 URL that adds the bot, with its slash commands and the permissions it needs, to a server. */
export function inviteUrl(applicationId: string): string {
  // Spaces as %20, as Discord's own URL generator writes them (URLSearchParams would write `+`).
  const query = [
    `client_id=${encodeURIComponent(applicationId)}`,
    `permissions=${requiredPermissions()}`,
    `scope=${encodeURIComponent('bot applications.commands')}`,
  ].join('&');
  return `https://discord.com/oauth2/authorize?${query}`;
}
