import type { webApi } from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import { httpFetch } from '../../src/http/http-client.ts';

/** Retry policy of Slack Web API calls (p-retry options as the WebClient takes them). */
export type SlackRetryPolicy = NonNullable<webApi.WebClientOptions['retryConfig']>;

/**
 * Bounded retries: a 429 waits for `Retry-After` and counts as one attempt; 5xx and connection errors back
 * off. The WebClient's default retries for about 30 minutes, which would hold a turn (and its session) hostage.
 */
export const DEFAULT_SLACK_RETRY_POLICY: SlackRetryPolicy = {
  retries: 3,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 5_000,
  randomize: true,
};

/**
 * WebClient options for a Slack configuration: `SLACK_API_URL`, bounded retries, a request timeout, and the
 * process's HTTP client (`HTTP_CLIENT`).
 */
export function slackClientOptions(
  config: NonNullable<Config['slack']>,
  options: { logger: webApi.WebClientOptions['logger']; retryConfig?: SlackRetryPolicy; timeoutMs?: number },
): webApi.WebClientOptions {
  return {
    slackApiUrl: config.apiUrl ?? 'https://slack.com/api/',
    retryConfig: options.retryConfig ?? DEFAULT_SLACK_RETRY_POLICY,
    timeout: options.timeoutMs ?? 15_000,
    logger: options.logger,
    fetch: httpFetch(),
  };
}
