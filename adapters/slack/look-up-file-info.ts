import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import { EnqueueTimeoutError, inTime } from './enqueue-in-time.ts';
import { needsFileInfo, type SlackFile, slackFilesOf } from './slack-files.ts';

/** How long `files.info` may take: the event must still be acknowledged within Slack's 3 s. */
export const FILE_INFO_TIMEOUT_MS = 1_000;

/** What `lookUpFileInfo` uses. */
export interface FileInfoLookup {
  /** Web API client with the bot token (`files:read`). */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** Bound of each call (default `FILE_INFO_TIMEOUT_MS`). */
  timeoutMs?: number;
}

const FILE_ID = /^F[A-Z0-9]+$/;

/**
 * What `files.info` says of the files of a message that only it can describe (Slack Connect stubs, files
 * without a URL), by file id, asked at ingress with the bot token so that the queued turn carries the URL and
 * no token. A call that fails or times out is logged and left out: the file is still attached with what the
 * event said, and the worker tells the person it could not be read.
 */
export async function lookUpFileInfo(
  files: unknown,
  lookup: FileInfoLookup,
): Promise<Map<string, SlackFile>> {
  const ids = slackFilesOf(files)
    .filter(needsFileInfo)
    .map((file) => file.id)
    .filter((id): id is string => typeof id === 'string' && FILE_ID.test(id));
  const infos = new Map<string, SlackFile>();
  await Promise.all(
    [...new Set(ids)].map(async (fileId) => {
      try {
        const result = await inTime(
          lookup.client.files.info({ file: fileId }),
          lookup.timeoutMs ?? FILE_INFO_TIMEOUT_MS,
        );
        const file = result.file as SlackFile | undefined;
        if (typeof file === 'object' && file !== null) infos.set(fileId, file);
      } catch (error) {
        // Only the message: a Web API error carries the request it made.
        const reason =
          error instanceof EnqueueTimeoutError
            ? 'timed out'
            : error instanceof Error
              ? error.message
              : String(error);
        lookup.logger.warn({ fileId, reason }, 'files.info failed; the file is attached without its URL');
      }
    }),
  );
  return infos;
}
