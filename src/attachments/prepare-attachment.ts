import type {
  Attachment,
  AttachmentKind,
  PreparedAttachment,
  SkippedAttachment,
  SkipReason,
} from './attachment.ts';
import { AttachmentError, type SkipDetails } from './attachment-error.ts';
import { type DetectedFileType, detectFileType, guessKind } from './detect-file-type.ts';
import { downloadAttachment } from './download-attachment.ts';
import { prepareImage } from './prepare-image.ts';
import {
  type PrepareOptions,
  type ResolvedPrepareOptions,
  resolvePrepareOptions,
} from './prepare-options.ts';
import { preparePdf, prepareTextFile } from './prepare-text.ts';
import type { ByteMeter } from './read-bounded-body.ts';
import { skipMessage } from './skip-message.ts';
import { textTypeByMimeType, textTypeByName } from './text-file-types.ts';

/**
 * One attachment's outcome. Every kind of bad input becomes a `skipped` outcome with its sentence; what
 * throws is a programmer error (bad options) or the caller's own abort (`options.signal`). The outcome is
 * reported to `options.onOutcome` once.
 */
export async function prepareAttachment(
  attachment: Attachment,
  options: PrepareOptions,
): Promise<PreparedAttachment> {
  const resolved = resolvePrepareOptions(options);
  const meter: ByteMeter = { bytes: 0 };
  let kind: AttachmentKind = guessKind(attachment.name, attachment.mimeType);
  try {
    const bytes = await readAttachment(attachment, resolved, meter);
    const type = detectFileType(bytes, attachment.name, attachment.mimeType);
    kind = kindOf(type) ?? kind;
    const prepared = await prepareDetected(attachment, bytes, type, resolved);
    resolved.onOutcome?.({ kind, outcome: 'prepared', bytesDownloaded: meter.bytes });
    return prepared;
  } catch (error) {
    if (!(error instanceof AttachmentError)) throw error;
    resolved.onOutcome?.({ kind, outcome: error.reason, bytesDownloaded: meter.bytes });
    return skippedAttachment(attachment, error.reason, error.details);
  }
}

/** A `skipped` outcome with its sentence (also for callers that refuse a file before preparing it). */
export function skippedAttachment(
  attachment: Attachment,
  reason: SkipReason,
  details: SkipDetails = {},
): SkippedAttachment {
  return {
    outcome: 'skipped',
    name: attachment.name,
    ...(attachment.fileId === undefined ? {} : { fileId: attachment.fileId }),
    reason,
    message: skipMessage(reason, { name: attachment.name, platform: attachment.platform, details }),
  };
}

/**
 * The attachment's bytes. What can be refused on the platform's word is refused before downloading: a
 * reported size over the limit, or an image (by name or reported type) for a model without vision.
 */
async function readAttachment(
  attachment: Attachment,
  options: ResolvedPrepareOptions,
  meter: ByteMeter,
): Promise<Uint8Array> {
  if (attachment.sizeBytes !== undefined && attachment.sizeBytes > options.maxBytes) {
    throw new AttachmentError('too_large', { limitBytes: options.maxBytes, sizeBytes: attachment.sizeBytes });
  }
  if (!options.vision && guessKind(attachment.name, attachment.mimeType) === 'image') {
    throw new AttachmentError('vision_off');
  }
  const { source } = attachment;
  if (source.type === 'bytes') {
    if (source.bytes.byteLength > options.maxBytes) {
      throw new AttachmentError('too_large', {
        limitBytes: options.maxBytes,
        sizeBytes: source.bytes.byteLength,
      });
    }
    return source.bytes;
  }
  const expectsHtml =
    textTypeByName(attachment.name)?.kind === 'html' ||
    textTypeByMimeType(attachment.mimeType)?.kind === 'html';
  const { bytes } = await downloadAttachment(source, {
    maxBytes: options.maxBytes,
    timeoutMs: options.timeoutMs,
    expectsHtml,
    fetch: options.fetch,
    signal: options.signal,
    trustedHosts: options.trustedHosts,
    meter,
  });
  return bytes;
}

async function prepareDetected(
  attachment: Attachment,
  bytes: Uint8Array,
  type: DetectedFileType,
  options: ResolvedPrepareOptions,
): Promise<PreparedAttachment> {
  switch (type.kind) {
    case 'image':
      return prepareImage(attachment, bytes, type.mimeType, options);
    case 'pdf':
      return preparePdf(attachment, bytes, options);
    case 'text':
      return prepareTextFile(attachment, bytes, type.type, options);
    case 'corrupt':
      throw new AttachmentError('corrupt', { note: type.note });
    case 'unsupported':
      throw new AttachmentError('unsupported_type', { note: type.description });
  }
}

// A file that is not what it claims keeps the kind its name and type suggested (a corrupt PDF counts as a PDF).
function kindOf(type: DetectedFileType): AttachmentKind | undefined {
  if (type.kind === 'image' || type.kind === 'pdf' || type.kind === 'text') return type.kind;
  return type.kind === 'unsupported' ? 'other' : undefined;
}
