import type { Turn } from '../turn/turn.ts';

/** Who may talk to the bot where (ids as the platforms give them). Empty allow lists allow everyone. */
export interface AccessRules {
  /** Only these channels (channel, DM or thread ids, or the parent channel of a thread). */
  allowedChannels: readonly string[];
  /** Never these channels. */
  deniedChannels: readonly string[];
  /** Only these users. */
  allowedUsers: readonly string[];
  /** Never these users. */
  deniedUsers: readonly string[];
  /** Only these Slack workspaces (team ids). */
  allowedSlackWorkspaces: readonly string[];
  /** Only these Discord guilds (DMs are not in a guild and stay allowed). */
  allowedDiscordGuilds: readonly string[];
  /** At most this many turns per channel per minute (loop protection); unset: no cap. */
  channelRepliesPerMinute: number | undefined;
}

/** A decision about one turn. */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** The ids a turn is "in": its channel, thread and the channel of its scope. */
function placesOf(turn: Turn): string[] {
  const places = [turn.target.channelId];
  if (turn.target.threadId) places.push(turn.target.threadId);
  const scopeChannel = turn.scopeId?.split(':').at(-1);
  if (scopeChannel) places.push(scopeChannel);
  return places;
}

/** Decides whether turns may reach the queue; keeps per-channel rate windows in memory. */
export function createAccessPolicy(rules: AccessRules, now: () => number = Date.now) {
  const windows = new Map<string, number[]>();

  const rateLimited = (turn: Turn): boolean => {
    const cap = rules.channelRepliesPerMinute;
    if (cap === undefined || turn.kind !== 'message') return false;
    const key = turn.scopeId ?? turn.sessionId;
    const cutoff = now() - 60_000;
    const recent = (windows.get(key) ?? []).filter((at) => at > cutoff);
    if (recent.length >= cap) {
      windows.set(key, recent);
      return true;
    }
    recent.push(now());
    windows.set(key, recent);
    if (windows.size > 10_000) {
      for (const [channel, times] of windows) if ((times.at(-1) ?? 0) <= cutoff) windows.delete(channel);
    }
    return false;
  };

  return {
    check(turn: Turn): AccessDecision {
      const user = turn.author.id;
      if (rules.deniedUsers.includes(user)) return { allowed: false, reason: 'user denied' };
      if (rules.allowedUsers.length > 0 && !rules.allowedUsers.includes(user)) {
        return { allowed: false, reason: 'user not allowed' };
      }
      const places = placesOf(turn);
      if (places.some((place) => rules.deniedChannels.includes(place)))
        return { allowed: false, reason: 'channel denied' };
      if (
        rules.allowedChannels.length > 0 &&
        !places.some((place) => rules.allowedChannels.includes(place))
      ) {
        return { allowed: false, reason: 'channel not allowed' };
      }
      const workspace = turn.target.workspaceId;
      if (turn.target.platform === 'slack' && rules.allowedSlackWorkspaces.length > 0) {
        if (!workspace || !rules.allowedSlackWorkspaces.includes(workspace)) {
          return { allowed: false, reason: 'workspace not allowed' };
        }
      }
      if (turn.target.platform === 'discord' && rules.allowedDiscordGuilds.length > 0 && workspace) {
        if (!rules.allowedDiscordGuilds.includes(workspace))
          return { allowed: false, reason: 'guild not allowed' };
      }
      if (rateLimited(turn)) return { allowed: false, reason: 'channel rate cap reached' };
      return { allowed: true };
    },
  };
}
