import {
  HTTPReceiver,
  type Receiver,
  type ReceiverProcessEventErrorHandlerArgs,
  SocketModeReceiver,
  type SocketModeReceiverProcessEventErrorHandlerArgs,
  type webApi,
} from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import { ackEventsAfterListeners } from './ack-events-after-listeners.ts';
import { isEventNotQueued } from './event-not-queued.ts';

/** Path Slack posts events and slash commands to in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Bolt's receiver for the configured mode; exactly one of `http` and `socket` is set. */
export interface SlackReceivers {
  /** The receiver the Bolt app is built on. */
  receiver: Receiver;
  /** In HTTP mode: the receiver whose request listener serves `SLACK_EVENTS_PATH`. */
  http?: HTTPReceiver;
  /** In Socket Mode: the receiver that holds the WebSocket connection. */
  socket?: SocketModeReceiver;
}

/** What the receivers log with and how their Web API clients are set up. */
export interface SlackReceiverOptions {
  /** Process logger (events Bolt could not process are logged here). */
  logger: Logger;
  /** The same logger in Bolt's shape. */
  slackLogger: NonNullable<webApi.WebClientOptions['logger']>;
  /** Web API client options (API URL, retries). */
  clientOptions: webApi.WebClientOptions;
}

/**
 * Socket Mode with `SLACK_APP_TOKEN`, otherwise HTTP on `SLACK_EVENTS_PATH`, where Bolt's HTTPReceiver checks
 * the signature with `SLACK_SIGNING_SECRET` (which HTTP mode therefore requires). Either way an event is
 * acknowledged only once its listener is done, i.e. its turn is in the queue: over HTTP with Bolt's
 * `processBeforeResponse` (a refused event gets a 503), over Socket Mode by holding back the envelope's ack
 * (see `ackEventsAfterListeners`). Slack redelivers what was not acknowledged.
 */
export function createSlackReceivers(
  config: NonNullable<Config['slack']>,
  options: SlackReceiverOptions,
): SlackReceivers {
  const { slackLogger, clientOptions } = options;
  if (config.appToken !== undefined) {
    const socket = new SocketModeReceiver({
      appToken: config.appToken,
      logger: slackLogger,
      installerOptions: { clientOptions },
      processEventErrorHandler: ackUnlessNotQueued(options.logger),
    });
    return { receiver: ackEventsAfterListeners(socket), socket };
  }
  if (!config.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');
  const http = new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger: slackLogger,
    // The HTTP answer waits for the listener (Slack allows 3 s; the listener's enqueue is bounded by 2 s).
    processBeforeResponse: true,
    processEventErrorHandler: dropUnprocessableEvents(options.logger),
  });
  return { receiver: http, http };
}

/**
 * An event whose turn could not be queued gets a 503, so that Slack delivers it again. Bolt answers 500 when
 * its own middleware trips over an odd (but correctly signed) event, and Slack would retry it: log and drop
 * it with a 200 instead. Authorization failures keep their 401.
 */
function dropUnprocessableEvents(
  logger: Logger,
): (args: ReceiverProcessEventErrorHandlerArgs) => Promise<boolean> {
  return async ({ error, response }) => {
    if (response.headersSent) return false;
    if (isEventNotQueued(error)) {
      logger.warn(
        { reason: error.message },
        'refused a Slack event (HTTP 503): not queued; Slack will retry',
      );
      response.writeHead(503);
      response.end();
      return true;
    }
    if (error instanceof Error && error.name === 'AuthorizationError') {
      response.writeHead(401);
      response.end();
      return true;
    }
    logger.warn({ err: error }, 'dropping a Slack event that Bolt could not process');
    response.writeHead(200);
    response.end();
    return true;
  };
}

/**
 * Over Socket Mode: an envelope whose turn could not be queued is left unacknowledged, so that Slack
 * redelivers it. Anything else Bolt could not process is logged and acknowledged (dropped), as over HTTP.
 */
function ackUnlessNotQueued(
  logger: Logger,
): (args: SocketModeReceiverProcessEventErrorHandlerArgs) => Promise<boolean> {
  return async ({ error }) => {
    if (isEventNotQueued(error)) {
      logger.warn(
        { reason: error.message },
        'not acknowledging a Slack envelope: not queued; Slack will redeliver it',
      );
      return false;
    }
    logger.warn({ err: error }, 'dropping a Slack event that Bolt could not process');
    return true;
  };
}
