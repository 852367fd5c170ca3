import { PlatformError } from '../../src/app/errors.ts';

/** A message posted to a slash command's `response_url`. */
export interface ResponseUrlMessage {
  /** `ephemeral`: only the person who ran the command sees it. */
  response_type: 'ephemeral';
  /** The text, in Slack mrkdwn. */
  text: string;
}

/** Hosts Slack hands out `response_url`s on (commercial Slack and GovSlack). */
const SLACK_HOSTS = [/(^|\.)slack\.com$/, /(^|\.)slack-gov\.com$/];

/**
 * Whether the worker may post a command's answer to `url`: an https URL on Slack's own hosts, or on the
 * origin of `SLACK_API_URL` when one is set (proxies, tests). The URL reaches the worker through the queue,
 * and an answer (an export, a persona) should never go anywhere else.
 */
export function isTrustedResponseUrl(url: string, apiUrl: string | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (apiUrl !== undefined) {
    try {
      if (parsed.origin === new URL(apiUrl).origin) return true;
    } catch {
      // an unparsable SLACK_API_URL trusts nothing extra
    }
  }
  return parsed.protocol === 'https:' && SLACK_HOSTS.some((host) => host.test(parsed.hostname));
}

/**
 * POSTs a message as JSON to a `response_url` (valid for 30 minutes and 5 answers), as Bolt's `respond` does.
 * Throws `PlatformError` when Slack does not take it (expired or used up URL: not retryable; 429, 5xx or a
 * network failure: retryable).
 */
export async function postToResponseUrl(
  url: string,
  message: ResponseUrlMessage,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new PlatformError('slack', 'Slack response_url could not be reached', {
      isRetryable: true,
      cause: error,
    });
  }
  // Drain the body so the connection can be reused; its text ("ok", "expired_url") is only for the message.
  const body = (await response.text().catch(() => '')).slice(0, 100);
  if (!response.ok) {
    const status = response.status;
    throw new PlatformError(
      'slack',
      `Slack response_url answered HTTP ${status}${body ? ` (${body})` : ''}`,
      {
        isRetryable: status === 429 || status >= 500,
      },
    );
  }
}
