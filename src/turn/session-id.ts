import type { Platform } from './turn.ts';

const SAFE_PART = /^[A-Za-z0-9._-]+$/;

/**
 * Builds a session ID such as `slack:T1:C1:1700000000.000100`. Each part must be non-empty and use only
 * `[A-Za-z0-9._-]`, so the ID is readable and safe inside Redis keys (no `{`/`}` to break hash tags).
 */
export function sessionId(platform: Platform, ...parts: string[]): string {
  if (parts.length === 0) throw new Error(`session ID for ${platform} needs at least one part`);
  for (const part of parts) {
    if (!SAFE_PART.test(part))
      throw new Error(`session ID part ${JSON.stringify(part)} has unsafe characters`);
  }
  return [platform, ...parts].join(':');
}

/** Splits a session ID into its platform and parts; throws on IDs `sessionId` could not have built. */
export function parseSessionId(id: string): { platform: Platform; parts: string[] } {
  const [platform, ...parts] = id.split(':');
  if (platform !== 'slack' && platform !== 'discord' && platform !== 'console') {
    throw new Error(`unknown platform in session ID ${JSON.stringify(id)}`);
  }
  if (parts.length === 0 || parts.some((part) => !SAFE_PART.test(part))) {
    throw new Error(`malformed session ID ${JSON.stringify(id)}`);
  }
  return { platform, parts };
}

/** Makes an arbitrary name (e.g. a console session name) safe as a session ID part. */
export function toSafePart(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return safe.length > 0 ? safe.slice(0, 128) : 'default';
}

/**
 * The Redis key base of a session, `<prefix>:{s:<sessionId>}`. Every key of one session (history, meta,
 * mailbox, seq, replies, dedup) starts with it, so they share a hash tag and one script can touch several of
 * them on Redis Cluster. The history store and the queue each build their own keys on it.
 */
export function sessionKeyBase(prefix: string, sessionId: string): string {
  return `${prefix}:{s:${sessionId}}`;
}
