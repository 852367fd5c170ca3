import { createSlackIngress, type SlackIngressOptions } from '../../adapters/slack/index.ts';
import { type Logger, silentLogger } from '../../src/app/logger.ts';
import type { PlatformIngress } from '../../src/turn/platform-ingress.ts';
import { type ServedRoutes, serveRoutes } from './serve-routes.ts';
import { type SlackConfig, testSlackConfig } from './test-slack-config.ts';

/** What an ingress test chooses; the rest is the tests' usual Slack ingress. */
export interface TestSlackIngressOptions extends Omit<SlackIngressOptions, 'config' | 'logger'> {
  /** The fake Slack Web API's URL. */
  apiUrl: string;
  /** What differs from `testSlackConfig`'s: HTTP mode takes `signingSecret`, Socket Mode `appToken`. */
  config?: Partial<SlackConfig>;
  /** Where the ingress logs (default: nowhere). */
  logger?: Logger;
}

/** The real Slack ingress on the fake Web API, with no Web API retries (a failure a test provokes shows at once). */
export function createTestSlackIngress(options: TestSlackIngressOptions): PlatformIngress {
  const { apiUrl, config, logger, ...rest } = options;
  return createSlackIngress({
    config: testSlackConfig(apiUrl, config),
    logger: logger ?? silentLogger,
    retryConfig: { retries: 0 },
    ...rest,
  });
}

/** An HTTP-mode ingress behind a plain HTTP server, as the core mounts it. */
export interface ServedSlackIngress {
  /** The ingress itself. */
  ingress: PlatformIngress;
  /** The HTTP server its routes are on. */
  server: ServedRoutes;
  /** Where Slack would send events (`…/slack/events`). */
  url: string;
  /** Stops the ingress, then its server. */
  stop(): Promise<void>;
}

/** Serves `ingress`'s routes and starts it. */
export async function serveSlackIngress(ingress: PlatformIngress): Promise<ServedSlackIngress> {
  const server = await serveRoutes(ingress.routes);
  await ingress.start();
  return {
    ingress,
    server,
    url: `${server.url}/slack/events`,
    async stop() {
      await ingress.stop();
      await server.close();
    },
  };
}
