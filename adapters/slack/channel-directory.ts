import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';

/**
 * Names of Slack channels, looked up with `conversations.info` and cached: a message links a channel as
 * `<#C123>` without its name, and the model should read `#general`, as people see it.
 */
export interface ChannelDirectory {
  /** Names of several channels at once, by id; a channel Slack will not describe is left out. */
  names(channelIds: Iterable<string>): Promise<Map<string, string>>;
}

/** Options of `createChannelDirectory`. */
export interface ChannelDirectoryOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** How long a name is trusted (channels are renamed rarely). */
  ttlMs?: number;
  /** How long a failed lookup is not retried (a private channel the bot is not in stays unknown). */
  failureTtlMs?: number;
  /** Most channels kept. */
  capacity?: number;
}

const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;

/** A `conversations.info` cache with a TTL, shared by all events of one ingress process; concurrent lookups share a call. */
export function createChannelDirectory(options: ChannelDirectoryOptions): ChannelDirectory {
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 60_000;
  const capacity = options.capacity ?? 10_000;
  const cache = new Map<string, { name: string | undefined; expiresAt: number }>();
  const pending = new Map<string, Promise<string | undefined>>();

  const remember = (channelId: string, name: string | undefined, forMs: number) => {
    cache.delete(channelId);
    cache.set(channelId, { name, expiresAt: Date.now() + forMs });
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return name;
  };

  const lookup = async (channelId: string): Promise<string | undefined> => {
    try {
      const result = await options.client.conversations.info({ channel: channelId });
      const name = (result.channel as { name?: unknown } | undefined)?.name;
      return remember(channelId, typeof name === 'string' && name !== '' ? name : undefined, ttlMs);
    } catch (error) {
      options.logger.warn({ err: error, channelId }, 'conversations.info failed; the channel stays unnamed');
      return remember(channelId, undefined, failureTtlMs);
    }
  };

  const nameOf = (channelId: string): Promise<string | undefined> => {
    const cached = cache.get(channelId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.name);
    let call = pending.get(channelId);
    if (!call) {
      call = lookup(channelId).finally(() => pending.delete(channelId));
      pending.set(channelId, call);
    }
    return call;
  };

  return {
    async names(channelIds) {
      const ids = [...new Set(channelIds)].filter((id) => CHANNEL_ID.test(id));
      const found = await Promise.all(ids.map(async (id) => [id, await nameOf(id)] as const));
      return new Map(found.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
    },
  };
}
