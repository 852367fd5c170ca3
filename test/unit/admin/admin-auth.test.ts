import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createAdminAuth, readCookie, SESSION_SECONDS } from '../../../src/admin/admin-auth.ts';

const TOKEN = 'unit-admin-token-0123456789';
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const cookieValue = (setCookie: string) => readCookie(setCookie.split(';')[0], 'parley_admin')!;

describe('admin auth', () => {
  it('accepts the token as a Bearer header and nothing close to it', () => {
    const auth = createAdminAuth(TOKEN);
    expect(auth.allows(request({ authorization: `Bearer ${TOKEN}` }))).toBe(true);
    expect(auth.allows(request({ authorization: `bearer ${TOKEN}` }))).toBe(true);
    expect(auth.allows(request({ authorization: `Bearer ${TOKEN}x` }))).toBe(false);
    expect(auth.allows(request({ authorization: `Bearer ${TOKEN.slice(0, -1)}` }))).toBe(false);
    expect(auth.allows(request({ authorization: TOKEN }))).toBe(false);
    expect(auth.allows(request({}))).toBe(false);
    expect(auth.isToken(TOKEN)).toBe(true);
    expect(auth.isToken('')).toBe(false);
  });

  it('sets a session cookie that is HttpOnly, SameSite=Strict, scoped to /admin, and does not hold the token', () => {
    const cookie = createAdminAuth(TOKEN).sessionCookie(false);
    expect(cookie).toMatch(
      /^parley_admin=\d+\.[0-9a-f]{64}; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(cookie).not.toContain(TOKEN);
    expect(createAdminAuth(TOKEN).sessionCookie(true)).toMatch(/; Secure$/);
  });

  it('lets a session in until it expires, and never with another token or a forged expiry', () => {
    let time = 1_000_000;
    const auth = createAdminAuth(TOKEN, () => time);
    const value = cookieValue(auth.sessionCookie(false));
    const withCookie = (cookie: string) => request({ cookie: `other=1; parley_admin=${cookie}` });
    expect(auth.allows(withCookie(value))).toBe(true);
    const [expires, signature] = value.split('.');
    expect(auth.allows(withCookie(`${Number(expires) + 1000}.${signature}`))).toBe(false);
    expect(createAdminAuth('another-admin-token-9876543', () => time).allows(withCookie(value))).toBe(false);
    time += SESSION_SECONDS * 1000;
    expect(auth.allows(withCookie(value))).toBe(false);
  });

  it('does not fall back to the cookie when a wrong Bearer token is sent', () => {
    const auth = createAdminAuth(TOKEN);
    const value = cookieValue(auth.sessionCookie(false));
    expect(auth.allows(request({ authorization: 'Bearer wrong', cookie: `parley_admin=${value}` }))).toBe(
      false,
    );
  });
});
