// Sign-in and sign-out. Sign-in is CSRF-protected too (a token in a cookie and the form, so that no
// other site can sign a browser into an attacker's account), throttled per client address, and
// answers one message for an unknown email, a disabled operator and a wrong password, after the
// same scrypt work for each.
import type { FastifyInstance } from 'fastify';
import { dummyPasswordHash, verifyPassword } from '../operators/password.js';
import { newCsrfToken, newSessionId, sameToken, sessionIdHash } from '../operators/session-secrets.js';
import { createOperatorSession, endOperatorSession, findOperatorForLogin } from '../store/operators.js';
import { cookieOptions, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from './cookies.js';
import type { DashboardDeps } from './deps.js';
import { field, formOf } from './forms.js';
import { html } from './html.js';
import { barePage, sendHtml } from './layout.js';
import { loginThrottle } from './login-throttle.js';
import { forbidden } from './session.js';

const WRONG = 'Email or password is wrong.';

/** Only a dashboard path may be the page to return to (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/dashboard(?:[/?]|$)/.test(next) && !next.includes('\\')
    ? next
    : '/dashboard';
}

function loginPage(token: string, next: string, message: string | null) {
  return barePage(
    'Operator sign-in',
    html`${message === null ? null : html`<div class="flash error" role="alert">${message}</div>`}
      <form method="post" action="/dashboard/login">
        <input type="hidden" name="_csrf" value="${token}" /><input
          type="hidden"
          name="next"
          value="${next}"
        />
        <p>
          <label>Email<br /><input type="email" name="email" autocomplete="username" required /></label>
        </p>
        <p>
          <label
            >Password<br /><input type="password" name="password" autocomplete="current-password" required
          /></label>
        </p>
        <p><button type="submit">Sign in</button></p>
      </form>`,
  );
}

export function registerLoginRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const throttle = loginThrottle({ maxFailures: 10, windowMs: 15 * 60_000 });

  app.get('/login', async (request, reply) => {
    const token = newCsrfToken();
    reply.setCookie(LOGIN_CSRF_COOKIE, token, cookieOptions(deps.options, 3600));
    const { next } = request.query as { next?: unknown };
    return sendHtml(reply, loginPage(token, safeNext(next), null));
  });

  app.post('/login', async (request, reply) => {
    const form = formOf(request);
    const expected = request.cookies[LOGIN_CSRF_COOKIE];
    const presented = form['_csrf'];
    if (expected === undefined || presented === undefined || !sameToken(presented, expected)) {
      return forbidden(
        reply,
        'The sign-in form has expired or did not come from this dashboard. Open /dashboard/login and try again.',
      );
    }
    const next = safeNext(form['next']);
    const nowMs = deps.sessionClock.now().getTime();
    const wait = throttle.waitMs(request.ip, nowMs);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      return sendHtml(
        reply,
        loginPage(expected, next, `Too many failed sign-ins: try again in ${minutes} minute(s).`),
        429,
      );
    }
    const email = field(form, 'email')?.toLowerCase() ?? '';
    const password = form['password'] ?? '';
    const found = email === '' ? null : await findOperatorForLogin(deps.db, email);
    const matches = await verifyPassword(password, found?.password ?? (await dummyPasswordHash()));
    if (found === null || !matches) {
      throttle.failed(request.ip, nowMs);
      return sendHtml(reply, loginPage(expected, next, WRONG), 401);
    }
    throttle.succeeded(request.ip);
    const sessionId = newSessionId();
    const at = deps.sessionClock.now();
    await createOperatorSession(deps.db, {
      idHash: sessionIdHash(sessionId),
      operatorId: found.operator.id,
      csrfToken: newCsrfToken(),
      at,
      expiresAt: new Date(at.getTime() + deps.options.sessionTtlMs),
    });
    reply.clearCookie(LOGIN_CSRF_COOKIE, cookieOptions(deps.options));
    reply.setCookie(
      SESSION_COOKIE,
      sessionId,
      cookieOptions(deps.options, Math.floor(deps.options.sessionTtlMs / 1000)),
    );
    return reply.redirect(next, 303);
  });
}

/** Behind the session and its CSRF check: ends the session here and in the database. */
export function registerLogoutRoute(app: FastifyInstance, deps: DashboardDeps): void {
  app.post('/logout', async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (id !== undefined) await endOperatorSession(deps.db, sessionIdHash(id), deps.sessionClock.now());
    reply.clearCookie(SESSION_COOKIE, cookieOptions(deps.options));
    return reply.redirect('/dashboard/login', 303);
  });
}
