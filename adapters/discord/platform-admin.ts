import { PermissionFlagsBits } from 'discord.js';

/** Permissions as discord.js gives them (a `PermissionsBitField`); `has` counts Administrator as every flag. */
export interface PermissionsLike {
  /** Whether the flag is set. */
  has(permission: bigint): boolean;
}

/**
 * Whether Discord makes someone an admin where they wrote: Manage Server in the guild, or Manage Channels in
 * the channel (a thread's parent). Administrator and the guild's owner have both. Unknown counts as no.
 */
export function isGuildAdmin(
  guildWide: PermissionsLike | null | undefined,
  inChannel: PermissionsLike | null | undefined,
): boolean {
  return (
    guildWide?.has(PermissionFlagsBits.ManageGuild) === true ||
    inChannel?.has(PermissionFlagsBits.ManageGuild) === true ||
    inChannel?.has(PermissionFlagsBits.ManageChannels) === true
  );
}

/** A guild member with the permissions discord.js computes from their roles (a `GuildMember` is one). */
export interface MemberLike {
  /** Guild-wide permissions (all of them for the owner); absent where they cannot be known. */
  readonly permissions?: PermissionsLike;
}

/** A channel that can compute a member's permissions in it (guild channels and threads can). */
export interface PermissionsChannel {
  /** The member's permissions here: roles and this channel's overwrites; null when it cannot tell. */
  permissionsFor(member: MemberLike): PermissionsLike | null;
}

/**
 * Whether a message's author is an admin (see `isGuildAdmin`): from the member discord.js built from the
 * message and the channel's overwrites. Never throws; a DM or an author discord.js cannot resolve is not one.
 */
export function isMemberAdmin(member: MemberLike | null, channel: object | null): boolean {
  if (!member) return false;
  try {
    const inChannel =
      channel && 'permissionsFor' in channel ? (channel as PermissionsChannel).permissionsFor(member) : null;
    return isGuildAdmin(member.permissions, inChannel);
  } catch {
    // A guild or role not (yet) cached: the permissions cannot be told.
    return false;
  }
}
