import type { Attachment } from '../../src/attachments/attachment.ts';

/** The parts of a discord.js `Attachment` Parley reads (one satisfies it). */
export interface AttachmentLike {
  /** Attachment snowflake. */
  id: string;
  /** File name as uploaded. */
  name: string;
  /** The CDN URL (signed by Discord: it needs no token, and expires after a while). */
  url: string;
  /** Size in bytes. */
  size: number;
  /** MIME type as Discord reports it; null when it did not tell. */
  contentType: string | null;
}

/** Most files Discord lets one message carry; a message claiming more is cut there. */
export const MAX_DISCORD_ATTACHMENTS = 10;

/**
 * A message's attachments as the turn carries them: the CDN URL, without headers (Discord's CDN needs no
 * token), `platform: 'discord'`.
 */
export function discordAttachmentsOf(attachments: Iterable<AttachmentLike>): Attachment[] {
  return [...attachments].slice(0, MAX_DISCORD_ATTACHMENTS).map((file) => {
    const attachment: Attachment = {
      name: file.name,
      source: { type: 'url', url: file.url },
      fileId: file.id,
      platform: 'discord',
    };
    if (file.contentType !== null && file.contentType !== '') attachment.mimeType = file.contentType;
    if (Number.isSafeInteger(file.size) && file.size >= 0) attachment.sizeBytes = file.size;
    return attachment;
  });
}
