import {
  HTTPReceiver,
  type Receiver,
  type ReceiverProcessEventErrorHandlerArgs,
  SocketModeReceiver,
  type webApi,
} from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';

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
 * the signature with `SLACK_SIGNING_SECRET` (which HTTP mode therefore requires).
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
    });
    return { receiver: socket, socket };
  }
  if (!config.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');
  const http = new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger: slackLogger,
    processEventErrorHandler: dropUnprocessableEvents(options.logger),
  });
  return { receiver: http, http };
}

/**
 * Bolt answers 500 when its own middleware trips over an odd (but correctly signed) event, and Slack would
 * retry it: log and drop it with a 200 instead. Authorization failures keep their 401.
 */
function dropUnprocessableEvents(
  logger: Logger,
): (args: ReceiverProcessEventErrorHandlerArgs) => Promise<boolean> {
  return async ({ error, response }) => {
    if (response.headersSent) return false;
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
