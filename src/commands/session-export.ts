import { createHash } from 'node:crypto';
import type { HistoryStore, StoredMessage, UsageTotals } from '../history/history-store.ts';

/** Format tag of exported sessions; bumped on incompatible changes. */
export const EXPORT_FORMAT = 'parley.session.v1';

/** An image embedded in an export (`withImages`). */
export interface ExportedImage {
  /** Detected type. */
  mimeType: string;
  /** The bytes, base64. */
  base64: string;
}

/** A session as `/export` and `parley export` write it, and `parley import` reads it. */
export interface SessionExport {
  /** Always `parley.session.v1`. */
  format: typeof EXPORT_FORMAT;
  /** The exported session's ID. */
  sessionId: string;
  /** When it was exported (ISO 8601). */
  exportedAt: string;
  /** Channel persona, if the session has one of its own. */
  persona: string | null;
  /** Rolling summary of the turns no longer in `messages`. */
  summary: string | null;
  /** Usage totals of the session. */
  usage: UsageTotals;
  /** The stored conversation, oldest first; files as `attachments` (images by hash). */
  messages: StoredMessage[];
  /** With `withImages`: the bytes of each image the messages refer to and the store still has, by sha256. */
  images?: Record<string, ExportedImage>;
  /** 👍/👎 people gave the session's answers, where feedback is recorded. */
  feedback?: { up: number; down: number };
}

/** Options of `exportSession`. */
export interface ExportOptions {
  /** Embed the referenced images' bytes (base64) in `images`; default false (images by hash only). */
  withImages?: boolean;
}

/** Reads a whole session out of the store. */
export async function exportSession(
  store: HistoryStore,
  sessionId: string,
  now = Date.now(),
  options: ExportOptions = {},
): Promise<SessionExport> {
  const [meta, messages] = await Promise.all([store.getMeta(sessionId), store.load(sessionId)]);
  const exported: SessionExport = {
    format: EXPORT_FORMAT,
    sessionId,
    exportedAt: new Date(now).toISOString(),
    persona: meta.persona ?? null,
    summary: meta.summary ?? null,
    usage: meta.usage,
    messages,
  };
  if (options.withImages) exported.images = await embeddedImages(store, sessionId, messages);
  return exported;
}

/** The stored images the messages' attachments name, base64; expired ones are left out. */
async function embeddedImages(
  store: HistoryStore,
  sessionId: string,
  messages: StoredMessage[],
): Promise<Record<string, ExportedImage>> {
  const hashes = new Set<string>();
  for (const message of messages) {
    for (const attachment of message.attachments ?? []) {
      if (attachment.kind === 'image' && attachment.sha256 !== undefined) hashes.add(attachment.sha256);
    }
  }
  const images: Record<string, ExportedImage> = {};
  if (hashes.size === 0) return images;
  for (const [sha256, image] of await store.loadImages(sessionId, [...hashes].sort())) {
    images[sha256] = { mimeType: image.mimeType, base64: Buffer.from(image.bytes).toString('base64') };
  }
  return images;
}

/** The bytes of an embedded image. */
export function decodeExportedImage(image: ExportedImage): Uint8Array {
  return new Uint8Array(Buffer.from(image.base64, 'base64'));
}

type Fail = (what: string) => never;

/** Checks that `value` is a session export, naming the first thing wrong. */
export function parseSessionExport(value: unknown): SessionExport {
  const fail: Fail = (what) => {
    throw new Error(`not a Parley session export: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('expected a JSON object');
  const data = value as Record<string, unknown>;
  if (data.format !== EXPORT_FORMAT) fail(`format must be "${EXPORT_FORMAT}"`);
  if (typeof data.sessionId !== 'string') fail('sessionId must be a string');
  if (!Array.isArray(data.messages)) fail('messages must be an array');
  for (const [index, message] of (data.messages as unknown[]).entries()) {
    checkMessage(message, `messages[${index}]`, fail);
  }
  for (const key of ['persona', 'summary'] as const) {
    if (data[key] !== null && data[key] !== undefined && typeof data[key] !== 'string')
      fail(`${key} must be a string`);
  }
  if (data.images !== undefined) checkImages(data.images, fail);
  return data as unknown as SessionExport;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkMessage(message: unknown, path: string, fail: Fail): void {
  if (!isObject(message)) fail(`${path} must be an object`);
  const m = message as Record<string, unknown>;
  if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'tool')
    fail(`${path}.role must be user, assistant or tool`);
  if (m.role === 'tool' && typeof m.toolCallId !== 'string') fail(`${path}.toolCallId must be a string`);
  if (m.toolCalls !== undefined && !Array.isArray(m.toolCalls)) fail(`${path}.toolCalls must be an array`);
  if (typeof m.content !== 'string') fail(`${path}.content must be a string`);
  if (typeof m.at !== 'number' || typeof m.tokens !== 'number') fail(`${path} needs numeric at and tokens`);
  if (m.attachments === undefined) return;
  if (!Array.isArray(m.attachments)) fail(`${path}.attachments must be an array`);
  for (const [index, attachment] of (m.attachments as unknown[]).entries()) {
    checkAttachment(attachment, `${path}.attachments[${index}]`, fail);
  }
}

const ATTACHMENT_STRINGS = ['mimeType', 'sha256', 'text', 'reason'] as const;
const ATTACHMENT_NUMBERS = ['sizeBytes', 'width', 'height', 'tokens'] as const;

function checkAttachment(attachment: unknown, path: string, fail: Fail): void {
  if (!isObject(attachment)) fail(`${path} must be an object`);
  const a = attachment as Record<string, unknown>;
  if (typeof a.name !== 'string') fail(`${path}.name must be a string`);
  if (a.kind !== 'image' && a.kind !== 'text' && a.kind !== 'skipped')
    fail(`${path}.kind must be image, text or skipped`);
  for (const key of ATTACHMENT_STRINGS) {
    if (a[key] !== undefined && typeof a[key] !== 'string') fail(`${path}.${key} must be a string`);
  }
  for (const key of ATTACHMENT_NUMBERS) {
    if (a[key] !== undefined && (typeof a[key] !== 'number' || !Number.isFinite(a[key])))
      fail(`${path}.${key} must be a number`);
  }
  if (a.truncated !== undefined && typeof a.truncated !== 'boolean')
    fail(`${path}.truncated must be a boolean`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `images`: by sha256, each a mime type and base64 bytes that hash to its key. */
function checkImages(images: unknown, fail: Fail): void {
  if (!isObject(images)) fail('images must be an object keyed by sha256');
  for (const [sha256, image] of Object.entries(images as Record<string, unknown>)) {
    const path = `images[${JSON.stringify(sha256)}]`;
    if (!/^[0-9a-fA-F]{64}$/.test(sha256)) fail(`${path}: the key must be a sha256 in hex`);
    if (!isObject(image)) fail(`${path} must be an object`);
    const { mimeType, base64 } = image as Record<string, unknown>;
    if (typeof mimeType !== 'string' || mimeType === '') fail(`${path}.mimeType must be a string`);
    if (typeof base64 !== 'string' || base64.length % 4 !== 0 || !BASE64.test(base64))
      fail(`${path}.base64 must be base64`);
    const digest = createHash('sha256')
      .update(Buffer.from(base64 as string, 'base64'))
      .digest('hex');
    if (digest !== sha256.toLowerCase()) fail(`${path}: the bytes do not match their sha256`);
  }
}
