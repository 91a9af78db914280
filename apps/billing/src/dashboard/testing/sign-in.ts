// Signing in to the dashboard through fastify's inject, as a browser would: the sign-in form's
// token and cookie, the session cookie, then the session's CSRF token read off a page.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { OPERATOR_PASSWORD } from './dashboard-test.js';

export interface SignedIn {
  /** The Cookie header for every later request. */
  readonly cookie: string;
  readonly csrf: string;
}

export function cookieValue(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.find((c) => c.name === name)?.value;
}

export function hiddenCsrf(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (token === undefined) throw new Error('no _csrf field on the page');
  return token;
}

export async function loginForm(app: FastifyInstance): Promise<{ cookie: string; token: string }> {
  const res = await app.inject({ method: 'GET', url: '/dashboard/login' });
  return {
    cookie: `rebill_dashboard_login=${cookieValue(res, 'rebill_dashboard_login')}`,
    token: hiddenCsrf(res.body),
  };
}

export async function postForm(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string>,
  cookie: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

export async function signIn(
  app: FastifyInstance,
  email: string,
  password = OPERATOR_PASSWORD,
): Promise<SignedIn> {
  const form = await loginForm(app);
  const res = await postForm(app, '/dashboard/login', { _csrf: form.token, email, password }, form.cookie);
  const session = cookieValue(res, 'rebill_dashboard_session');
  if (res.statusCode !== 303 || session === undefined) throw new Error(`sign-in failed: ${res.statusCode}`);
  const cookie = `rebill_dashboard_session=${session}`;
  const page = await app.inject({
    method: 'GET',
    url: '/dashboard',
    headers: { cookie, accept: 'text/html' },
  });
  return { cookie, csrf: hiddenCsrf(page.body) };
}
