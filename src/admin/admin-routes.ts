/**
 * The operator's page on the shared HTTP server: `GET /admin` (the page, or the login form with 401),
 * `POST /admin/login` (sets the session cookie), `POST /admin/logout`, and `GET /admin/admin.css`. Only mounted
 * when `ADMIN_TOKEN` is set; without it these paths answer 404 like any unknown one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../app/logger.ts';
import type { HttpRoute } from '../turn/platform-ingress.ts';
import { createAdminAuth } from './admin-auth.ts';
import { ADMIN_CSS } from './admin-css.ts';
import { type AdminSources, parsePages, readAdminSnapshot } from './admin-snapshot.ts';
import { renderAdminPage, renderLoginPage, STYLESHEET_PATH } from './render-page.ts';

/** A login form is a few dozen bytes; anything far larger is not one. */
const MAX_LOGIN_BYTES = 4_096;

const SECURITY_HEADERS = {
  // No script at all; styles only from our own stylesheet; forms only post back here; never framed.
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

/** Over HTTPS, directly or behind a proxy that says so: the cookie is then marked Secure. */
function isHttps(request: IncomingMessage): boolean {
  return (request.socket as TLSSocket).encrypted === true || request.headers['x-forwarded-proto'] === 'https';
}

/** The `token` field of an urlencoded form body, or undefined for anything else (too large, not a form). */
async function readLoginToken(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOGIN_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? undefined;
}

/** Options of `createAdminRoutes`. */
export interface AdminRouteOptions {
  /** `ADMIN_TOKEN`. */
  token: string;
  /** Where the page reads from. */
  sources: AdminSources;
  /** Logger (failed logins are logged without what was typed). */
  logger: Logger;
}

/** The routes of the operator's page; see the file header. */
export function createAdminRoutes(options: AdminRouteOptions): HttpRoute[] {
  const auth = createAdminAuth(options.token);
  return [
    {
      method: 'GET',
      path: '/admin',
      async handle(request, response) {
        if (!auth.allows(request)) {
          send(response, 401, renderLoginPage(false), { 'www-authenticate': 'Bearer realm="parley-admin"' });
          return;
        }
        const search = new URL(request.url ?? '/admin', 'http://localhost').searchParams;
        send(response, 200, renderAdminPage(await readAdminSnapshot(options.sources, parsePages(search))));
      },
    },
    {
      method: 'POST',
      path: '/admin/login',
      async handle(request, response) {
        const token = await readLoginToken(request);
        if (token === undefined || !auth.isToken(token)) {
          options.logger.warn(
            { remote: request.socket.remoteAddress },
            'operator page: login with a wrong token',
          );
          send(response, 401, renderLoginPage(true));
          return;
        }
        send(response, 303, '', { location: '/admin', 'set-cookie': auth.sessionCookie(isHttps(request)) });
      },
    },
    {
      method: 'POST',
      path: '/admin/logout',
      handle(request, response) {
        send(response, 303, '', { location: '/admin', 'set-cookie': auth.clearCookie(isHttps(request)) });
      },
    },
    {
      method: 'GET',
      path: STYLESHEET_PATH,
      handle(_request, response) {
        response.writeHead(200, {
          'content-type': 'text/css; charset=utf-8',
          'x-content-type-options': 'nosniff',
          'cache-control': 'public, max-age=3600',
        });
        response.end(ADMIN_CSS);
      },
    },
  ];
}
