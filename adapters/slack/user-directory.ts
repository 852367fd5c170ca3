import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';

/** Display names of Slack users, looked up with `users.info` and cached. */
export interface UserDirectory {
  /** A user's display name; the user id when Slack cannot tell (the failure is logged, not thrown). */
  name(userId: string): Promise<string>;
  /** Names of several users at once (duplicates and non-user ids such as bot ids are skipped). */
  names(userIds: Iterable<string>): Promise<Map<string, string>>;
}

/** Options of `createUserDirectory`. */
export interface UserDirectoryOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** How long a name is trusted (people rename themselves rarely). */
  ttlMs?: number;
  /** How long a failed lookup is not retried, so a missing scope does not cost one call per message. */
  failureTtlMs?: number;
  /** Most names kept. */
  capacity?: number;
}

const USER_ID = /^[UW][A-Z0-9]+$/;

interface SlackUser {
  name?: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
}

/** `profile.display_name || real_name || name`, as Slack shows the person. */
export function displayNameOf(user: SlackUser | undefined): string | undefined {
  const candidates = [user?.profile?.display_name, user?.real_name, user?.profile?.real_name, user?.name];
  return candidates.find((value) => typeof value === 'string' && value.trim() !== '')?.trim();
}

/** A users.info cache with a TTL, shared by all events of one ingress process. Concurrent lookups share a call. */
export function createUserDirectory(options: UserDirectoryOptions): UserDirectory {
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 60_000;
  const capacity = options.capacity ?? 10_000;
  const cache = new Map<string, { name: string; expiresAt: number }>();
  const pending = new Map<string, Promise<string>>();

  const remember = (userId: string, name: string, forMs: number) => {
    cache.delete(userId);
    cache.set(userId, { name, expiresAt: Date.now() + forMs });
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
  };

  const lookup = async (userId: string): Promise<string> => {
    try {
      const result = await options.client.users.info({ user: userId });
      const name = displayNameOf(result.user as SlackUser | undefined) ?? userId;
      remember(userId, name, ttlMs);
      return name;
    } catch (error) {
      options.logger.warn({ err: error, userId }, 'users.info failed; using the user id as name');
      remember(userId, userId, failureTtlMs);
      return userId;
    }
  };

  const name = (userId: string): Promise<string> => {
    const cached = cache.get(userId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.name);
    let call = pending.get(userId);
    if (!call) {
      call = lookup(userId).finally(() => pending.delete(userId));
      pending.set(userId, call);
    }
    return call;
  };

  return {
    name,
    async names(userIds) {
      const ids = [...new Set(userIds)].filter((id) => USER_ID.test(id));
      const resolved = await Promise.all(ids.map(async (id) => [id, await name(id)] as const));
      return new Map(resolved);
    },
  };
}
