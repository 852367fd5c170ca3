import {
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPutAPIApplicationCommandsJSONBody,
  Routes,
} from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import { MAX_PERSONA_LENGTH } from '../../src/commands/run-command.ts';

const command = (
  name: string,
  description: string,
  options: APIApplicationCommandOption[] = [],
): RESTPostAPIChatInputApplicationCommandsJSONBody => ({
  name,
  description,
  type: ApplicationCommandType.ChatInput,
  ...(options.length > 0 ? { options } : {}),
});

/** Parley's slash commands (each is answered only to whoever uses it). */
export const COMMAND_DEFINITIONS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  command('reset', 'Make Parley forget this conversation (channel, thread or DM)'),
  command('memory', 'Show what Parley remembers of this conversation', [
    {
      name: 'action',
      description: 'clear: drop the summary of older messages',
      type: ApplicationCommandOptionType.String,
      required: false,
      choices: [{ name: 'clear', value: 'clear' }],
    },
  ]),
  command('persona', 'Show or set how Parley behaves in this channel (its threads follow it)', [
    {
      name: 'text',
      description: 'The new persona, e.g. "You are a pirate."; "reset" restores the default',
      type: ApplicationCommandOptionType.String,
      required: false,
      max_length: MAX_PERSONA_LENGTH,
    },
  ]),
  command('usage', 'Tokens and cost: this conversation, this channel and you'),
  command('export', 'Download this conversation as JSON'),
  command('forget', 'Delete everything stored for this channel (asks for confirmation)', [
    {
      name: 'confirm',
      description: 'True to really delete',
      type: ApplicationCommandOptionType.Boolean,
      required: false,
    },
  ]),
  command('tools', 'Show the tools Parley may use in this channel; admins switch them on or off', [
    {
      name: 'change',
      description: 'e.g. "on fs" or "off fs.write_file" (a server, or server.tool)',
      type: ApplicationCommandOptionType.String,
      required: false,
    },
  ]),
  command('model', 'Show the model of this conversation; admins pick one for the channel (or this thread)', [
    {
      name: 'name',
      description: 'A model of the catalogue (see /model); "reset" drops the choice made here',
      type: ApplicationCommandOptionType.String,
      required: false,
    },
  ]),
  command('help', 'What Parley can do and how to use its commands'),
];

/** Global commands: usable in servers and in DMs with the bot. */
export const GLOBAL_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = COMMAND_DEFINITIONS.map(
  (definition) => ({
    ...definition,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  }),
);

/** Guild commands: appear at once (global ones can take a while to propagate). */
export const GUILD_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = COMMAND_DEFINITIONS;

/**
 * Registers the slash commands (PUT replaces the whole set, so this is idempotent): globally, and in
 * `guildId` too when set, so they are usable there immediately.
 */
export async function registerCommands(options: {
  rest: REST;
  applicationId: string;
  guildId: string | undefined;
  logger: Logger;
}): Promise<void> {
  const { rest, applicationId, guildId, logger } = options;
  await rest.put(Routes.applicationCommands(applicationId), { body: GLOBAL_COMMANDS });
  if (guildId) {
    await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body: GUILD_COMMANDS });
  }
  logger.info({ guildId: guildId ?? null }, 'discord slash commands registered');
}
