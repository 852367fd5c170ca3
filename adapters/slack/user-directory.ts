import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';

/** Display names and roles of Slack users, looked up with `users.info` and cached. */
export interface UserDirectory {
  /** A user's display name; the user id when Slack cannot tell (the failure is logged, not thrown). */
  name(userId: string): Promise<string>;
  /** Names of several users at once (duplicates and non-user ids such as bot ids are skipped). */
  names(userIds: Iterable<string>): Promise<Map<string, string>>;
  /**
   * Whether Slack makes the user a workspace (or org) admin or owner; false when Slack cannot tell. Shares the
   * `users.info` call and cache with `name`.
   */
  isAdmin(userId: string): Promise<boolean>;
}

/** Options of `createUserDirectory`. */
export interface UserDirectoryOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** How long a lookup is trusted (people rename themselves, and change roles, rarely). */
  ttlMs?: number;
  /** How long a failed lookup is not retried, so a missing scope does not cost one call per message. */
  failureTtlMs?: number;
  /** Most people kept. */
  capacity?: number;
}

const USER_ID = /^[UW][A-Z0-9]+$/;

/** The fields of a `users.info` user that Parley reads. */
export interface SlackUser {
  name?: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  enterprise_user?: { is_admin?: boolean; is_owner?: boolean };
}

/** What the directory knows about one person. */
interface Person {
  name: string;
  isAdmin: boolean;
}

/** `profile.display_name || real_name || name`, as Slack shows the person. */
export function displayNameOf(user: SlackUser | undefined): string | undefined {
  const candidates = [user?.profile?.display_name, user?.real_name, user?.profile?.real_name, user?.name];
  return candidates.find((value) => typeof value === 'string' && value.trim() !== '')?.trim();
}

/** Whether `users.info` says the user administers the workspace: admin, owner, primary owner, or org admin. */
export function isWorkspaceAdmin(user: SlackUser | undefined): boolean {
  const grid = user?.enterprise_user;
  return [user?.is_admin, user?.is_owner, user?.is_primary_owner, grid?.is_admin, grid?.is_owner].some(
    (flag) => flag === true,
  );
}

/** A users.info cache with a TTL, shared by all events of one ingress process. Concurrent lookups share a call. */
export function createUserDirectory(options: UserDirectoryOptions): UserDirectory {
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 60_000;
  const capacity = options.capacity ?? 10_000;
  const cache = new Map<string, Person & { expiresAt: number }>();
  const pending = new Map<string, Promise<Person>>();

  const remember = (userId: string, person: Person, forMs: number): Person => {
    cache.delete(userId);
    cache.set(userId, { ...person, expiresAt: Date.now() + forMs });
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return person;
  };

  const lookup = async (userId: string): Promise<Person> => {
    try {
      const result = await options.client.users.info({ user: userId });
      const user = result.user as SlackUser | undefined;
      return remember(
        userId,
        { name: displayNameOf(user) ?? userId, isAdmin: isWorkspaceAdmin(user) },
        ttlMs,
      );
    } catch (error) {
      options.logger.warn({ err: error, userId }, 'users.info failed; using the user id as name');
      return remember(userId, { name: userId, isAdmin: false }, failureTtlMs);
    }
  };

  const person = (userId: string): Promise<Person> => {
    const cached = cache.get(userId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached);
    let call = pending.get(userId);
    if (!call) {
      call = lookup(userId).finally(() => pending.delete(userId));
      pending.set(userId, call);
    }
    return call;
  };

  return {
    name: async (userId) => (await person(userId)).name,
    async names(userIds) {
      const ids = [...new Set(userIds)].filter((id) => USER_ID.test(id));
      const resolved = await Promise.all(ids.map(async (id) => [id, (await person(id)).name] as const));
      return new Map(resolved);
    },
    isAdmin: async (userId) => USER_ID.test(userId) && (await person(userId)).isAdmin,
  };
}
