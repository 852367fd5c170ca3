import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import { restApiBase } from './discord-rest.ts';

/**
 * Gateway intents, the fewest that do the job. Guilds: channels and threads, so guild messages resolve.
 * GuildMessages and DirectMessages: the messages. MessageContent is privileged and not needed: Discord
 * delivers the text of DMs and of messages mentioning the bot anyway, and those are all Parley answers.
 */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.DirectMessages,
];

/** A discord.js client for the ingress: the intents above, REST on `apiUrl`, no message cache, no pings. */
export function createDiscordClient(apiUrl: string | undefined): Client {
  return new Client({
    intents: DISCORD_INTENTS,
    // DM channels are not cached before their first message; without this partial DMs are dropped.
    partials: [Partials.Channel],
    rest: { api: restApiBase(apiUrl) },
    allowedMentions: { parse: [] },
    // Parley never reads old messages back from the cache, so do not keep them.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
}
