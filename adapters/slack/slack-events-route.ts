import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { HttpRoute } from '../../src/turn/platform-ingress.ts';
import { SLACK_EVENTS_PATH } from './slack-receivers.ts';

/**
 * `POST /slack/events` on the shared HTTP server, handed to Bolt's HTTPReceiver. Until the ingress has
 * started (auth.test answered) requests get 503 with `retry-after: 1`, and Slack retries.
 */
export function slackEventsRoute(http: HTTPReceiver, isStarted: () => boolean, logger: Logger): HttpRoute {
  return {
    method: 'POST',
    path: SLACK_EVENTS_PATH,
    handle(request: IncomingMessage, response: ServerResponse) {
      if (!isStarted()) {
        // Slack retries; by then auth.test has answered.
        response.writeHead(503, { 'retry-after': '1' });
        response.end();
        return;
      }
      try {
        http.requestListener(request, response);
      } catch (error) {
        logger.warn({ err: error }, 'Slack request was not handled');
        if (!response.headersSent) response.writeHead(404);
        response.end();
      }
    },
  };
}
