/**
 * The attachments seam: turns files people drop into a conversation into what a model can be given.
 * It promises: every file ends as exactly one `PreparedAttachment` — an image with its dimensions, token cost
 * and content hash, a text file or PDF text layer capped at a token budget and fenced so it cannot break out,
 * or a `skipped` outcome with a reason code and a sentence that can be shown to the person as it is. Bad input
 * (too large, wrong type, deleted, corrupt, a decompression bomb, a missing Slack scope, a failed download)
 * never throws; only programmer errors (bad options) and the caller's own abort do. Downloads are bounded by
 * size and time whatever the platform reported, and a bearer token never follows a redirect off its host
 * (see `authorization-redirect.ts`).
 *
 * Entry points: `prepare-attachments.ts` (a batch, in input order) and `prepare-attachment.ts` (one file);
 * `image-content-part.ts` builds the model's image parts, `vision-models.ts` says whether a model sees images.
 */

/** Where an attachment's bytes come from. */
export type AttachmentSource =
  | {
      /** Fetched over HTTP(S). */
      type: 'url';
      /** The file's download URL (Slack's `url_private_download`, Discord's CDN URL). */
      url: string;
      /** Request headers, e.g. `Authorization: Bearer <bot token>`; see `authorization-redirect.ts` for redirects. */
      headers?: Readonly<Record<string, string>>;
    }
  | {
      /** Already in memory (the terminal's `/attach <path>`). */
      type: 'bytes';
      /** The file's content. */
      bytes: Uint8Array;
    };

/** A file as an adapter describes it; everything but `name` and `source` is the platform's word, not checked. */
export interface Attachment {
  /** File name as uploaded (shown to the model and in replies). */
  name: string;
  /** MIME type as the platform reports it; may be missing or wrong. */
  mimeType?: string;
  /** Size in bytes as the platform reports it; used only to refuse early, never as a bound. */
  sizeBytes?: number;
  /** Where to fetch it from. */
  source: AttachmentSource;
  /** The platform's id for the file (Slack `F…`, Discord attachment id). */
  fileId?: string;
  /** The platform it came from (`slack`, `discord`, `console`): decides which fix a skip message names. */
  platform?: string;
}

/** How closely the model looks at an image (OpenAI's `detail`). */
export type ImageDetail = 'low' | 'high' | 'auto';

/** Image formats the OpenAI vision models accept. */
export type ImageMimeType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/** What a text attachment was recognized as. */
export type TextKind =
  | 'text'
  | 'markdown'
  | 'csv'
  | 'tsv'
  | 'json'
  | 'yaml'
  | 'xml'
  | 'html'
  | 'log'
  | 'code'
  | 'pdf';

/** Why a file was not given to the model. */
export type SkipReason =
  /** Larger than the download or image limit. */
  | 'too_large'
  /** Not an image, PDF or text file. */
  | 'unsupported_type'
  /** The platform refused the bot's token (Slack: the app lacks `files:read`). */
  | 'missing_scope'
  /** Deleted before it could be downloaded. */
  | 'not_found'
  /** Claims a format its bytes do not hold (a broken PDF or image). */
  | 'corrupt'
  /** An image whose header claims more pixels than allowed (a decompression bomb). */
  | 'image_too_many_pixels'
  /** A PDF without a text layer (scanned pages). */
  | 'scanned_pdf'
  /** The download failed or timed out. */
  | 'download_failed'
  /** Past the number of files one message may carry. */
  | 'too_many_files'
  /** An image, but the model is not given images. */
  | 'vision_off';

/** An image ready to be sent as a content part. */
export interface PreparedImage {
  /** Discriminant. */
  outcome: 'image';
  /** File name as uploaded. */
  name: string;
  /** The platform's file id, when it gave one. */
  fileId?: string;
  /** The image's bytes, unchanged. */
  bytes: Uint8Array;
  /** The format its magic bytes show (not the reported one). */
  mimeType: ImageMimeType;
  /** Width in pixels, from the header. */
  width: number;
  /** Height in pixels, from the header. */
  height: number;
  /** The detail level its token count assumes (and its content part will ask for). */
  detail: ImageDetail;
  /** Input tokens the image costs (see `image-tokens.ts`). */
  tokens: number;
  /** Hex SHA-256 of the bytes: the same picture twice is the same image. */
  sha256: string;
}

/** A text file or a PDF's text layer, capped and ready for the prompt. */
export interface PreparedText {
  /** Discriminant. */
  outcome: 'text';
  /** File name as uploaded. */
  name: string;
  /** The platform's file id, when it gave one. */
  fileId?: string;
  /** What it was recognized as. */
  kind: TextKind;
  /** Its MIME type as detected (`text/csv`, `application/pdf`, …). */
  mimeType: string;
  /** The fence's info string (`csv`, `ts`, `python`, or `` for plain text). */
  language: string;
  /** Size of the file in bytes. */
  sizeBytes: number;
  /** The extracted text, capped at `maxFileTokens` with a `…[truncated: …]` marker when cut. */
  text: string;
  /** Tokens of `text`. */
  tokens: number;
  /** Whether `text` was cut. */
  truncated: boolean;
  /** `text` as the prompt shows it: a heading line with name, type and size, then a fence it cannot break. */
  block: string;
  /** Tokens of `block`. */
  blockTokens: number;
}

/** A file left out, with what to tell the person. */
export interface SkippedAttachment {
  /** Discriminant. */
  outcome: 'skipped';
  /** File name as uploaded. */
  name: string;
  /** The platform's file id, when it gave one. */
  fileId?: string;
  /** Why, as a stable code (for metrics and tests). */
  reason: SkipReason;
  /** Why, as one sentence for the person who attached it. */
  message: string;
}

/** What became of one attachment. */
export type PreparedAttachment = PreparedImage | PreparedText | SkippedAttachment;

/** The broad kind of a file, as metrics label it. */
export type AttachmentKind = 'image' | 'pdf' | 'text' | 'other';

/** One attachment's outcome, reported to the caller's metrics. */
export interface AttachmentOutcomeEvent {
  /** What the file was (detected, or guessed from name and MIME type when never downloaded). */
  kind: AttachmentKind;
  /** `prepared` or the skip reason. */
  outcome: 'prepared' | SkipReason;
  /** Bytes received over the network for it (0 for in-memory sources and files never fetched). */
  bytesDownloaded: number;
}
