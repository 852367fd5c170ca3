import { AttachmentError, type SkipDetails } from './attachment-error.ts';
import { keepsAuthorization, SLACK_FILE_HOSTS, withoutCredentials } from './authorization-redirect.ts';
import { type ByteMeter, readBoundedBody } from './read-bounded-body.ts';

/** Redirects followed before a download is given up (Slack uses one or two). */
export const MAX_REDIRECTS = 5;

/** How `downloadAttachment` fetches. */
export interface DownloadOptions {
  /** Most bytes accepted; more is `too_large`. */
  maxBytes: number;
  /** Time for the whole download, redirects and body included; past it the download is `download_failed`. */
  timeoutMs: number;
  /** Whether the file itself may be an HTML page; if not, an HTML answer is a login page (`missing_scope`). */
  expectsHtml: boolean;
  /** The fetch to use (the global, undici's, by default). */
  fetch?: typeof fetch;
  /** The caller's abort (shutdown): rethrown as it is, not turned into a skip. */
  signal?: AbortSignal;
  /** Hosts credentials may follow a redirect to (see `authorization-redirect.ts`). */
  trustedHosts?: readonly string[];
  /** Counts the bytes received, including those of a refused or failed download. */
  meter?: ByteMeter;
}

/** A downloaded file. */
export interface DownloadedFile {
  /** The body. */
  bytes: Uint8Array;
  /** The `Content-Type` the server sent, if any. */
  contentType: string | undefined;
}

/**
 * Downloads a file, following redirects by hand so credentials go only where `keepsAuthorization` allows, and
 * classifies failures: 401/403 or an HTML page instead of the file (what Slack serves a token without
 * `files:read`) are `missing_scope`, 404/410 `not_found`, a body over `maxBytes` `too_large`, anything else
 * (5xx, connection errors, the timeout, a redirect loop) `download_failed`.
 */
export async function downloadAttachment(
  source: { url: string; headers?: Readonly<Record<string, string>> },
  options: DownloadOptions,
): Promise<DownloadedFile> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const meter = options.meter ?? { bytes: 0 };
  try {
    const response = await fetchFollowingRedirects(source, options, signal);
    if (response.status === 401 || response.status === 403) throw failure(response, 'missing_scope');
    if (response.status === 404 || response.status === 410) throw failure(response, 'not_found');
    if (response.status < 200 || response.status >= 300) throw failure(response, 'download_failed');
    const contentType = response.headers.get('content-type') ?? undefined;
    if (!options.expectsHtml && contentType?.toLowerCase().startsWith('text/html')) {
      throw failure(response, 'missing_scope', { note: 'a login page came back instead of the file' });
    }
    return { bytes: await readBoundedBody(response, options.maxBytes, meter), contentType };
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted)
      throw new AttachmentError('download_failed', { note: 'timed out' }, { cause: error });
    throw new AttachmentError('download_failed', { note: 'connection failed' }, { cause: error });
  }
}

async function fetchFollowingRedirects(
  source: { url: string; headers?: Readonly<Record<string, string>> },
  options: DownloadOptions,
  signal: AbortSignal,
): Promise<Response> {
  const fetchFile = options.fetch ?? fetch;
  let url = parseHttpUrl(source.url);
  let headers: Record<string, string> = { ...source.headers };
  for (let hop = 0; ; hop++) {
    const response = await fetchFile(url, { headers, redirect: 'manual', signal });
    if (!isRedirect(response.status)) return response;
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location');
    if (location === null || hop >= MAX_REDIRECTS) {
      throw new AttachmentError('download_failed', { note: 'too many redirects', status: response.status });
    }
    const next = parseHttpUrl(location, url);
    if (!keepsAuthorization(url, next, options.trustedHosts ?? SLACK_FILE_HOSTS)) {
      headers = withoutCredentials(headers);
    }
    url = next;
  }
}

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(text, base);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new AttachmentError('download_failed', { note: 'not an http(s) link' });
  }
  return url;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function failure(
  response: Response,
  reason: 'missing_scope' | 'not_found' | 'download_failed',
  details: SkipDetails = { status: response.status },
): AttachmentError {
  // The body is not needed; cancelling it frees the connection.
  void response.body?.cancel().catch(() => {});
  return new AttachmentError(reason, details);
}
