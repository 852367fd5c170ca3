import type { Attachment, PreparedAttachment } from './attachment.ts';
import { guessKind } from './detect-file-type.ts';
import { prepareAttachment, skippedAttachment } from './prepare-attachment.ts';
import { type PrepareOptions, resolvePrepareOptions } from './prepare-options.ts';

/**
 * The outcomes of a message's attachments, in input order. The first `maxFiles` are prepared, at most
 * `concurrency` at a time (downloads are network-bound, PDF extraction CPU-bound; a few at once keeps a
 * 10-file message quick without starving other turns); the rest are `too_many_files`. Never rejects for bad
 * input — every failure is a `skipped` outcome; it rejects only for bad options or the caller's abort.
 */
export async function prepareAttachments(
  attachments: readonly Attachment[],
  options: PrepareOptions,
): Promise<PreparedAttachment[]> {
  const resolved = resolvePrepareOptions(options);
  const outcomes = new Array<PreparedAttachment>(attachments.length);
  attachments.slice(resolved.maxFiles).forEach((attachment, index) => {
    outcomes[resolved.maxFiles + index] = skippedAttachment(attachment, 'too_many_files', {
      maxFiles: resolved.maxFiles,
    });
    resolved.onOutcome?.({
      kind: guessKind(attachment.name, attachment.mimeType),
      outcome: 'too_many_files',
      bytesDownloaded: 0,
    });
  });

  const admitted = attachments.slice(0, resolved.maxFiles);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < admitted.length) {
      const index = next++;
      outcomes[index] = await prepareAttachment(admitted[index]!, resolved);
    }
  };
  await Promise.all(Array.from({ length: Math.min(resolved.concurrency, admitted.length) }, worker));
  return outcomes;
}
