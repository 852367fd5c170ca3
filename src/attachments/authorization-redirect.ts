/**
 * Which hosts a bot token may follow a redirect to. Slack's `url_private_download` answers with a redirect to
 * another of its file hosts, and the token must go along or the file is refused; a redirect anywhere else
 * (a CDN, a link shortener, a hostile server) must not receive it. The rule:
 *
 * - the same origin (scheme, host and port) keeps every header;
 * - an `https:` URL on a trusted host keeps them too — by default `slack.com` and its subdomains
 *   (`files.slack.com`, `files-origin.slack.com`), where Slack serves private files;
 * - anything else loses `Authorization` (and `Cookie`) for that hop and every hop after it;
 * - a downgrade from `https:` to `http:` is never trusted, even on the same host.
 */

/** Hosts a bearer token may be sent to after a redirect; a leading dot means "this domain and its subdomains". */
export const SLACK_FILE_HOSTS: readonly string[] = ['slack.com', '.slack.com'];

/** Headers that carry credentials and are dropped on an untrusted redirect. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);

/** Whether a request that was sent to `from` may carry its credentials on to `to`. */
export function keepsAuthorization(
  from: URL,
  to: URL,
  trustedHosts: readonly string[] = SLACK_FILE_HOSTS,
): boolean {
  if (from.protocol === 'https:' && to.protocol !== 'https:') return false;
  if (from.origin === to.origin) return true;
  return to.protocol === 'https:' && isTrustedHost(to.hostname, trustedHosts);
}

/** Whether `hostname` is one of `trustedHosts` (exact, or under a `.domain` entry). */
export function isTrustedHost(hostname: string, trustedHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return trustedHosts.some((entry) => {
    const trusted = entry.toLowerCase();
    return trusted.startsWith('.') ? host.endsWith(trusted) : host === trusted;
  });
}

/** `headers` without the ones that carry credentials. */
export function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())),
  );
}
