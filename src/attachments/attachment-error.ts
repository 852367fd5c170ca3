import { ParleyError } from '../app/errors.ts';
import type { SkipReason } from './attachment.ts';

/** Facts about a refused file that its skip message may name. */
export interface SkipDetails {
  /** The limit that was passed, in bytes (`too_large`). */
  limitBytes?: number;
  /** The file's size in bytes, when known (`too_large`). */
  sizeBytes?: number;
  /** The pixels the header claims (`image_too_many_pixels`). */
  width?: number;
  /** The pixels the header claims (`image_too_many_pixels`). */
  height?: number;
  /** The pixel limit (`image_too_many_pixels`). */
  maxPixels?: number;
  /** HTTP status of a failed download. */
  status?: number;
  /** A short technical note for the sentence (`timed out`, `password-protected`, the detected format). */
  note?: string;
  /** Files one message may carry (`too_many_files`). */
  maxFiles?: number;
}

/**
 * Bad input found while preparing an attachment. Raised inside the seam and turned into a `skipped` outcome
 * by `prepareAttachment`, so callers never see it; anything else thrown there is a programmer error.
 */
export class AttachmentError extends ParleyError {
  /** Why the file is skipped. */
  readonly reason: SkipReason;
  /** What the skip message may name. */
  readonly details: SkipDetails;

  constructor(reason: SkipReason, details: SkipDetails = {}, options?: { cause?: unknown }) {
    super('attachment', `attachment skipped: ${reason}${details.note ? ` (${details.note})` : ''}`, options);
    this.reason = reason;
    this.details = details;
  }
}
