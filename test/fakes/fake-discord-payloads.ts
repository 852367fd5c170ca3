/** Builders of Discord API payloads, shaped as Discord sends them (API v10), with sensible defaults. */

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake for `at` (ms since epoch): timestamp bits plus a counter, so ids sort by creation. */
export function snowflake(at: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | increment).toString();
}

/** Creation time of a snowflake, ms since epoch. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** A Discord user object. */
export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
  system?: boolean;
  flags?: number;
}

/** A user named `username` (global name as given, or none). */
export function makeUser(
  username: string,
  options: { bot?: boolean; globalName?: string; id?: string } = {},
) {
  const user: FakeUser = {
    id: options.id ?? snowflake(),
    username,
    global_name: options.globalName ?? null,
    discriminator: '0',
    avatar: null,
    flags: 0,
  };
  if (options.bot) user.bot = true;
  return user;
}

/** A channel permission overwrite: `type` 0 for a role, 1 for a member; `allow`/`deny` are bitfields. */
export interface FakeOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

/** A guild role with the given permission bits. */
export function makeRole(name: string, permissions: bigint, id: string = snowflake()) {
  return {
    id,
    name,
    color: 0,
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 1,
    permissions: permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

/** A guild text channel (type 0), with permission overwrites if given. */
export function makeTextChannel(
  guildId: string,
  name: string,
  id: string = snowflake(),
  overwrites: FakeOverwrite[] = [],
) {
  return {
    id,
    type: 0,
    guild_id: guildId,
    name,
    position: 0,
    permission_overwrites: overwrites,
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

/** A public thread (type 11) in `parentId`. */
export function makeThread(
  guildId: string,
  parentId: string,
  name: string,
  ownerId: string,
  id = snowflake(),
) {
  return {
    id,
    type: 11,
    guild_id: guildId,
    parent_id: parentId,
    owner_id: ownerId,
    name,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
      create_timestamp: new Date().toISOString(),
    },
  };
}

/** A guild member object (without `user` when embedded in a message, as Discord does). */
export function makeMember(nick: string | null = null, roles: string[] = []) {
  return {
    nick,
    avatar: null,
    roles,
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
  };
}

/** The full GUILD_CREATE payload of an available guild. */
export function makeGuild(options: {
  id: string;
  name: string;
  ownerId: string;
  bot: FakeUser;
  channels: ReturnType<typeof makeTextChannel>[];
  threads: ReturnType<typeof makeThread>[];
  /** Roles besides @everyone. */
  roles?: ReturnType<typeof makeRole>[];
}) {
  const strip = <T extends { guild_id: string }>({ guild_id: _guildId, ...rest }: T) => rest;
  return {
    id: options.id,
    name: options.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: options.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: options.id,
        name: '@everyone',
        color: 0,
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 0,
        permissions: '1071698660929',
        managed: false,
        mentionable: false,
        flags: 0,
      },
      ...(options.roles ?? []),
    ],
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [{ ...makeMember(), user: options.bot }],
    // Discord omits guild_id on channels inside GUILD_CREATE.
    channels: options.channels.map(strip),
    threads: options.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
