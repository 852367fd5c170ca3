import type { SkipReason } from './attachment.ts';
import type { SkipDetails } from './attachment-error.ts';
import { formatBytes } from './format-bytes.ts';

/** The Slack scope a bot token needs to download files; named in `missing_scope` replies. */
export const SLACK_FILES_SCOPE = 'files:read';

/** What `skipMessage` is told about the file. */
export interface SkipMessageContext {
  /** The file's name as uploaded. */
  name: string;
  /** The platform it came from; decides which fix `missing_scope` names. */
  platform?: string;
  /** Facts the sentence may name. */
  details?: SkipDetails;
}

/**
 * One sentence for the person who attached the file: what happened and, where they or an admin can do
 * something, what. Plain text (no markdown) so every platform shows it the same; the name is quoted as given.
 */
export function skipMessage(reason: SkipReason, context: SkipMessageContext): string {
  const name = `"${context.name}"`;
  const details = context.details ?? {};
  switch (reason) {
    case 'too_large':
      return `I skipped ${name}: ${sizeText(details)} ${formatBytes(details.limitBytes ?? 0)}.`;
    case 'unsupported_type':
      return `I skipped ${name}: I can read images (PNG, JPEG, GIF, WebP), PDFs and text or code files, and this is ${details.note ?? 'none of those'}.`;
    case 'missing_scope':
      return context.platform === 'slack'
        ? `I couldn't open ${name}: this Slack app lacks the ${SLACK_FILES_SCOPE} scope; an admin can add it under OAuth & Permissions → Bot Token Scopes and reinstall the app.`
        : `I couldn't open ${name}: the platform refused the bot's access to it (${details.note ?? `HTTP ${details.status}`}).`;
    case 'not_found':
      return `I couldn't open ${name}: it was deleted before I could download it.`;
    case 'corrupt':
      return `I couldn't read ${name}: it looks damaged${details.note ? ` (${details.note})` : ''}.`;
    case 'image_too_many_pixels':
      return `I skipped ${name}: it claims to be ${details.width}×${details.height} pixels, more than the ${megapixels(details.maxPixels ?? 0)} I accept.`;
    case 'scanned_pdf':
      return `I couldn't read ${name}: the PDF has no text layer (probably scanned pages), so attach the pages as images or a PDF with selectable text.`;
    case 'download_failed':
      return `I couldn't download ${name}${details.note ? ` (${details.note})` : statusText(details)}; try attaching it again.`;
    case 'too_many_files':
      return `I skipped ${name}: I read at most ${details.maxFiles ?? 0} files per message.`;
    case 'vision_off':
      return `I skipped ${name}: the model I use here can't see images.`;
  }
}

function sizeText(details: SkipDetails): string {
  return details.sizeBytes === undefined
    ? 'it is larger than the most I read,'
    : `it is ${formatBytes(details.sizeBytes)}, and I read files up to`;
}

function statusText(details: SkipDetails): string {
  return details.status === undefined ? '' : ` (HTTP ${details.status})`;
}

function megapixels(pixels: number): string {
  return `${Math.round(pixels / 1_000_000)} megapixels`;
}
