import { createHmac } from 'node:crypto';
import { stringify } from 'node:querystring';

/** Slack's request signature headers for `body`: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}

/** How to send one signed request. */
export interface SendOptions {
  /** Signing secret (a wrong one produces a bad signature). */
  signingSecret: string;
  /** Request timestamp in seconds (default: now); an old one makes the request stale. */
  timestampSeconds?: number;
  /** `x-slack-retry-num` header, as Slack sets it on a retried delivery. */
  retryNum?: number;
  /** Replaces the computed signature. */
  signature?: string;
}

/** The answer to a signed request. */
export interface SlackHttpResponse {
  status: number;
  body: string;
  /** Parsed JSON body, when it is JSON. */
  json: unknown;
}

/** Posts a raw body signed like Slack does; the body is sent byte for byte. */
export async function sendSigned(
  url: string,
  rawBody: string,
  contentType: string,
  options: SendOptions,
): Promise<SlackHttpResponse> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...signSlackRequest(options.signingSecret, rawBody, options.timestampSeconds),
  };
  if (options.signature !== undefined) headers['x-slack-signature'] = options.signature;
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const response = await fetch(url, { method: 'POST', headers, body: rawBody });
  const body = await response.text();
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: response.status, body, json };
}

/** Sends an Events API payload (JSON) to `url`, signed. */
export function sendSlackEvent(
  url: string,
  payload: unknown,
  options: SendOptions,
): Promise<SlackHttpResponse> {
  return sendSigned(url, JSON.stringify(payload), 'application/json', options);
}

/** Sends a slash command (form-encoded, as Slack does) to `url`, signed. */
export function sendSlashCommand(
  url: string,
  fields: Record<string, string>,
  options: SendOptions,
): Promise<SlackHttpResponse> {
  return sendSigned(url, stringify(fields), 'application/x-www-form-urlencoded', options);
}
