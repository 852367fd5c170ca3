import type { Attachment } from '../../src/attachments/attachment.ts';

/**
 * A file object of a message's `files[]` (or `files.info`'s `file`), as Parley reads it. Untrusted: every field
 * is checked. A Slack Connect file shared from another organisation arrives as a stub (`file_access:
 * 'check_file_info'`, no name, no URL) that only `files.info` completes.
 */
export interface SlackFile {
  /** File id, `F…`. */
  id?: unknown;
  /** File name as uploaded. */
  name?: unknown;
  /** Title (Slack's fallback when a file has no name). */
  title?: unknown;
  /** MIME type as Slack reports it. */
  mimetype?: unknown;
  /** Size in bytes. */
  size?: unknown;
  /** The download URL; needs the bot token (`files:read`). */
  url_private_download?: unknown;
  /** The file's URL; also needs the bot token. For an external file (Google Drive, …) a link off Slack. */
  url_private?: unknown;
  /** `visible`, or `check_file_info` for a Slack Connect stub. */
  file_access?: unknown;
  /** A file stored elsewhere (Google Drive, Dropbox): its `url_private` is not Slack's. */
  is_external?: unknown;
}

/**
 * Most file descriptions one turn carries. The worker reads at most 10 files a message and names every one
 * beyond that in its reply (`too_many_files`), so the turn keeps more than that; this only bounds what an odd
 * event could make it carry.
 */
export const MAX_SLACK_FILES = 100;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The file objects of a message's `files` (objects only, at most `MAX_SLACK_FILES`). */
export function slackFilesOf(files: unknown): SlackFile[] {
  if (!Array.isArray(files)) return [];
  return files
    .filter((file): file is SlackFile => typeof file === 'object' && file !== null)
    .slice(0, MAX_SLACK_FILES);
}

/** The URL Parley downloads a file from: Slack's own, never an external file's link (the token must stay on Slack). */
function downloadUrlOf(file: SlackFile): string | undefined {
  return text(file.url_private_download) ?? (file.is_external === true ? undefined : text(file.url_private));
}

/** Whether only `files.info` tells where the file is: a Slack Connect stub, or a file without a URL. */
export function needsFileInfo(file: SlackFile): boolean {
  return file.file_access === 'check_file_info' || downloadUrlOf(file) === undefined;
}

/**
 * A message's file as an attachment: `url_private_download` with no credentials (the worker adds the bot token),
 * `platform: 'slack'`. `info` is what `files.info` said of it, when it was asked. A file whose URL is still not
 * known is kept with an empty one, so that the worker tells the person it could not be read.
 */
export function slackFileToAttachment(file: SlackFile, info?: SlackFile): Attachment {
  const known: SlackFile = info === undefined ? file : { ...file, ...info };
  const id = text(known.id);
  const size = known.size;
  const attachment: Attachment = {
    name: text(known.name) ?? text(known.title) ?? id ?? 'file',
    source: { type: 'url', url: downloadUrlOf(known) ?? '' },
    platform: 'slack',
  };
  const mimeType = text(known.mimetype);
  if (mimeType !== undefined) attachment.mimeType = mimeType;
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) attachment.sizeBytes = size;
  if (id !== undefined) attachment.fileId = id;
  return attachment;
}

/** A message's files as attachments, completed by `files.info` answers (by file id) where they were needed. */
export function slackAttachmentsOf(
  files: unknown,
  infos: ReadonlyMap<string, SlackFile> | undefined,
): Attachment[] {
  return slackFilesOf(files).map((file) => {
    const id = text(file.id);
    return slackFileToAttachment(file, id === undefined ? undefined : infos?.get(id));
  });
}
