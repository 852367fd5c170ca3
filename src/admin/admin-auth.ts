/**
 * Who may see the operator's page: a request carrying `ADMIN_TOKEN` as `Authorization: Bearer <token>`, or the
 * session cookie the login form sets. The cookie holds an expiry and an HMAC of it keyed by the token, never
 * the token itself, so a leaked cookie ends with its expiry and changing the token logs everyone out. Every
 * comparison takes the same time whatever the input (hashes of equal length, `timingSafeEqual`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'parley_admin';
/** How long a login lasts. */
export const SESSION_SECONDS = 12 * 60 * 60;

/** Checks tokens and session cookies for one configured token. */
export interface AdminAuth {
  /** Whether `candidate` is the token (constant time). */
  isToken(candidate: string): boolean;
  /** Whether the request carries the token or a live session cookie. */
  allows(request: IncomingMessage): boolean;
  /** A `Set-Cookie` value that logs the browser in; `secure` when the page is served over HTTPS. */
  sessionCookie(secure: boolean): string;
  /** A `Set-Cookie` value that logs it out. */
  clearCookie(secure: boolean): string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function sameSecret(left: string, right: string): boolean {
  // Digests have one length whatever the input, so neither the length nor the content leaks through timing.
  return timingSafeEqual(digest(left), digest(right));
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** Auth for `token`; `now` is injectable so tests can watch a session expire. */
export function createAdminAuth(token: string, now: () => number = Date.now): AdminAuth {
  const sign = (expires: string) =>
    createHmac('sha256', token).update(`parley-admin:${expires}`).digest('hex');
  const cookie = (value: string, maxAge: number, secure: boolean) =>
    `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;

  const validSession = (value: string | undefined): boolean => {
    const [expires, signature] = (value ?? '').split('.');
    if (!expires || !signature || !/^\d+$/.test(expires)) return false;
    return sameSecret(signature, sign(expires)) && Number(expires) > now();
  };

  return {
    isToken: (candidate) => sameSecret(candidate, token),
    allows(request) {
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
      if (bearer !== undefined) return sameSecret(bearer, token);
      return validSession(readCookie(request.headers.cookie, SESSION_COOKIE));
    },
    sessionCookie(secure) {
      const expires = String(now() + SESSION_SECONDS * 1000);
      return cookie(`${expires}.${sign(expires)}`, SESSION_SECONDS, secure);
    },
    clearCookie: (secure) => cookie('', 0, secure),
  };
}
