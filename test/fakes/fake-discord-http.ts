import type { IncomingMessage } from 'node:http';

/** A file uploaded in a multipart request (`files[n]` parts), as the fake received it. */
export interface RecordedFile {
  /** Form field, e.g. `files[0]`. */
  field: string;
  /** File name. */
  name: string;
  /** Content type of the part. */
  contentType: string;
  /** Content, decoded as UTF-8. */
  content: string;
}

/** A request body: parsed JSON (or `payload_json` of a multipart request) and any uploaded files. */
export interface ParsedBody {
  /** JSON body, raw text of other content types, or undefined when empty. */
  body: unknown;
  /** Files of a multipart request (empty otherwise). */
  files: RecordedFile[];
}

/** What a route handler answers. */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** Handles one request to a matched route. */
export type Handler = (input: {
  params: Record<string, string>;
  body: unknown;
  files: RecordedFile[];
  query: URLSearchParams;
}) => Reply;

/** A REST route of the fake: `METHOD /path/:param`, whether it needs the bot token, and its handler. */
export interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  keys: string[];
  auth: boolean;
  handler: Handler;
}

export const json = (status: number, body: unknown): Reply => ({ status, body });

/** An error shaped as Discord sends them: `{ message, code }`. */
export const discordError = (status: number, code: number, message: string): Reply =>
  json(status, { message, code });

/** Discord's answer to content over 2,000 characters. */
export const tooLong = (): Reply =>
  discordError(
    400,
    50035,
    'Invalid Form Body\ncontent[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.',
  );

export function compileRoute(name: string, auth: boolean, handler: Handler): Route {
  const [method, path] = name.split(' ') as [string, string];
  const keys: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { name, method, pattern: new RegExp(`^${source}$`), keys, auth, handler };
}

export function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Reads a request body as Discord does: JSON, or multipart/form-data with the JSON in `payload_json` (or
 * as separate fields) and files in `files[n]` parts. Throws on malformed JSON.
 */
export async function readBody(request: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return { body: undefined, files: [] };
  const raw = Buffer.concat(chunks);
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) return readMultipart(raw, contentType);
  const text = raw.toString('utf8');
  if (!contentType.includes('application/json')) return { body: text, files: [] };
  return { body: text === '' ? undefined : JSON.parse(text), files: [] };
}

async function readMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  // The WHATWG parser of Node's fetch reads multipart bodies exactly as a server would.
  const form = await new Response(new Uint8Array(raw), {
    headers: { 'content-type': contentType },
  }).formData();
  let body: Record<string, unknown> = {};
  const files: RecordedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value !== 'string') {
      files.push({ field, name: value.name, contentType: value.type, content: await value.text() });
    } else if (field === 'payload_json') {
      body = { ...body, ...(JSON.parse(value) as Record<string, unknown>) };
    } else {
      body[field] = value;
    }
  }
  return { body, files };
}
