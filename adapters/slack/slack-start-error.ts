import { PlatformError } from '../../src/app/errors.ts';
import { toPlatformError } from './slack-errors.ts';

/** Connection-level error codes (Node's and undici's), with the cause in words an operator can act on. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup timed out',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
};

/**
 * Why a Slack call at start-up failed, naming what to fix: a network failure names the host that could not be
 * reached and why (the token is not to blame then); anything Slack answered keeps its error code and the
 * setting to check (`hint`, e.g. "check SLACK_BOT_TOKEN").
 */
export function slackStartError(method: string, hint: string, apiUrl: string, error: unknown): PlatformError {
  const network = networkCause(error);
  if (network !== undefined) {
    const host = hostOf(apiUrl);
    const words = NETWORK_CAUSES[network] ?? network;
    return new PlatformError(
      'slack',
      `Slack ${method} failed: could not reach ${host} (${network}: ${words}) — check SLACK_API_URL, DNS, proxy and network`,
      { isRetryable: true, cause: error },
    );
  }
  const failure = toPlatformError(method, error);
  return new PlatformError('slack', `${failure.message} (${hint})`, {
    isRetryable: failure.isRetryable,
    cause: error,
  });
}

/** The first connection-level error code in the error's cause chain (WebClient → fetch → socket). */
export function networkCause(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 6) return undefined;
  const { code, cause, original, errors } = error as {
    code?: unknown;
    cause?: unknown;
    original?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && code in NETWORK_CAUSES) return code;
  for (const inner of [original, cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = networkCause(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `host:port` of the API base, as the operator wrote it. */
function hostOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return apiUrl;
  }
}
