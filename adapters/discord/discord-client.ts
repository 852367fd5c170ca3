import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import { restApiBase } from './discord-rest.ts';

/**
 * Gateway intents, the fewest that do the job. Guilds: channels and threads, so guild messages resolve.
 * GuildMessages and DirectMessages: the messages. Discord delivers the text of DMs, of messages mentioning
 * the bot and of its own messages without the privileged Message Content intent; see `discordIntents`.
 */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.DirectMessages,
];

/** Reactions in guild channels and DMs, for 👍/👎 feedback on answers (not privileged). */
export const REACTION_INTENTS = [
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessageReactions,
];

/**
 * The intents to identify with: `DISCORD_INTENTS`, plus the privileged MessageContent when
 * `DISCORD_MESSAGE_CONTENT=true` (it must also be switched on in the Developer Portal, Bot → Privileged Gateway
 * Intents, or Discord closes the gateway with 4014). Only with it can the bot read follow-ups in threads that do
 * not mention it, and edits of such messages. `reactions` adds `REACTION_INTENTS` (feedback is recorded).
 */
export function discordIntents(messageContent: boolean, reactions = false): GatewayIntentBits[] {
  return [
    ...DISCORD_INTENTS,
    ...(reactions ? REACTION_INTENTS : []),
    ...(messageContent ? [GatewayIntentBits.MessageContent] : []),
  ];
}

/** How the ingress client connects. */
export interface DiscordClientOptions {
  /** Ask for the privileged Message Content intent. */
  messageContent?: boolean;
  /** Ask for the reaction intents (feedback by 👍/👎). */
  reactions?: boolean;
}

/** A discord.js client for the ingress: the intents above, REST on `apiUrl`, no message cache, no pings. */
export function createDiscordClient(apiUrl: string | undefined, options: DiscordClientOptions = {}): Client {
  return new Client({
    intents: discordIntents(options.messageContent === true, options.reactions === true),
    // DM channels are not cached before their first message; without this partial DMs are dropped.
    partials: [Partials.Channel],
    rest: { api: restApiBase(apiUrl) },
    allowedMentions: { parse: [] },
    // Parley never reads old messages back from the cache, so do not keep them (edits and deletes are read from
    // the raw gateway payloads, which carry all they need; see `handle-message-change.ts`).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
}
