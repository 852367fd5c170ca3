import type { Attachment, PreparedAttachment, PreparedImage } from '../../attachments/attachment.ts';
import { prepareAttachments } from '../../attachments/prepare-attachments.ts';
import { PREPARE_DEFAULTS } from '../../attachments/prepare-options.ts';
import { skipMessage } from '../../attachments/skip-message.ts';
import { visionEnabled } from '../../attachments/vision-models.ts';
import type { StoredAttachment } from '../../history/history-store.ts';
import type { Platform, Turn } from '../turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** What preparing a turn's files draws on. */
export type AttachmentDependencies = Pick<
  TurnDependencies,
  'store' | 'model' | 'files' | 'attachmentHeaders' | 'metrics'
> & {
  /** The fetch downloads use; the global one unless a test stands in. */
  fetch?: typeof fetch;
};

/** A turn's files as its user message keeps them, and what the reply says about those it could not use. */
export interface TurnAttachments {
  /** One entry per attached file, in the order they were attached. */
  stored: StoredAttachment[];
  /** One line per file the model was not given, for the reply. */
  notices: string[];
}

/**
 * Downloads and reads the turn's files (see the attachments seam), keeps each image's bytes with the
 * conversation (`putImage`) and describes every file for the stored message. Nothing is half-stored: an image
 * the store refuses is remembered as skipped (`too_large`), and so is every file the seam skipped, each with
 * the sentence the reply shows. Rejects only when the store fails (the turn is then run again).
 */
export async function prepareTurnAttachments(
  deps: AttachmentDependencies,
  turn: Pick<Turn, 'sessionId' | 'attachments'>,
): Promise<TurnAttachments> {
  const attachments = turn.attachments ?? [];
  if (attachments.length === 0) return { stored: [], notices: [] };
  const { files, metrics } = deps;
  const outcomes = await prepareAttachments(
    attachments.map((attachment) => withPlatformHeaders(attachment, deps.attachmentHeaders)),
    {
      model: deps.model.model,
      vision: visionEnabled(files?.vision ?? 'auto', deps.model.model),
      maxImageBytes: files?.maxImageBytes,
      maxFileTokens: files?.maxFileTokens,
      imageDetail: files?.imageDetail,
      fetch: deps.fetch,
      onOutcome: (event) => metrics?.attachment(event.kind, event.outcome, event.bytesDownloaded),
    },
  );
  const stored: StoredAttachment[] = [];
  const notices: string[] = [];
  for (const outcome of outcomes) {
    const kept = await keep(deps, turn.sessionId, outcome);
    stored.push(kept.stored);
    if (kept.notice !== undefined) notices.push(kept.notice);
  }
  return { stored, notices };
}

/** The reply's line about a file the model was not given: the person reads why, set apart from the answer. */
export function attachmentNotice(text: string): string {
  return `_(${text})_`;
}

/** The attachment with its platform's download headers (a Slack file needs the bot token), if it is fetched. */
function withPlatformHeaders(
  attachment: Attachment,
  headers: AttachmentDependencies['attachmentHeaders'],
): Attachment {
  const extra = attachment.platform === undefined ? undefined : headers?.[attachment.platform as Platform];
  if (extra === undefined || attachment.source.type !== 'url') return attachment;
  return {
    ...attachment,
    source: { ...attachment.source, headers: { ...attachment.source.headers, ...extra } },
  };
}

async function keep(
  deps: AttachmentDependencies,
  sessionId: string,
  outcome: PreparedAttachment,
): Promise<{ stored: StoredAttachment; notice?: string }> {
  switch (outcome.outcome) {
    case 'image':
      return keepImage(deps, sessionId, outcome);
    case 'text':
      return {
        stored: {
          name: outcome.name,
          kind: 'text',
          mimeType: outcome.mimeType,
          sizeBytes: outcome.sizeBytes,
          tokens: outcome.blockTokens,
          text: outcome.block,
          truncated: outcome.truncated,
        },
      };
    case 'skipped':
      return {
        stored: { name: outcome.name, kind: 'skipped', reason: outcome.reason },
        notice: attachmentNotice(
          outcome.reason === 'vision_off'
            ? `I can't see images with this model, so I did not look at ${outcome.name}.`
            : outcome.message,
        ),
      };
  }
}

async function keepImage(
  deps: AttachmentDependencies,
  sessionId: string,
  image: PreparedImage,
): Promise<{ stored: StoredAttachment; notice?: string }> {
  const { sha256, mimeType, bytes } = image;
  if (!(await deps.store.putImage(sessionId, { sha256, mimeType, bytes }))) {
    const message = skipMessage('too_large', {
      name: image.name,
      details: {
        sizeBytes: bytes.byteLength,
        limitBytes: deps.files?.maxImageBytes ?? PREPARE_DEFAULTS.maxImageBytes,
      },
    });
    return {
      stored: {
        name: image.name,
        kind: 'skipped',
        mimeType,
        sizeBytes: bytes.byteLength,
        reason: 'too_large',
      },
      notice: attachmentNotice(message),
    };
  }
  return {
    stored: {
      name: image.name,
      kind: 'image',
      mimeType,
      sizeBytes: bytes.byteLength,
      sha256,
      width: image.width,
      height: image.height,
      tokens: image.tokens,
    },
  };
}
