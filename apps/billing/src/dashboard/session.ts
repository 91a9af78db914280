// Who is signed in, and the three checks every dashboard request passes: a live session (else the
// sign-in page, or 401 for a script), the session's CSRF token on every form post, and the ADMIN
// role for every action. All enforced here, server-side; pages only hide what they cannot do.
import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { sameToken, sessionIdHash } from '../operators/session-secrets.js';
import { findOperatorSession, type OperatorRow } from '../store/operators.js';
import { SESSION_COOKIE } from './cookies.js';
import type { DashboardDeps } from './deps.js';
import { formOf } from './forms.js';
import { barePage, sendHtml } from './layout.js';
import { html } from './html.js';

export interface DashboardSession {
  readonly operator: OperatorRow;
  readonly csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every dashboard request past the sign-in check; null elsewhere. */
    dashboardSession: DashboardSession | null;
  }
}

export function sessionOf(request: FastifyRequest): DashboardSession {
  if (request.dashboardSession === null) throw new Error('route is not behind the dashboard session');
  return request.dashboardSession;
}

const isPageRequest = (request: FastifyRequest): boolean =>
  request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');

export function requireSession(deps: DashboardDeps): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    const session =
      id === undefined
        ? null
        : await findOperatorSession(deps.db, sessionIdHash(id), deps.sessionClock.now());
    if (session !== null) {
      request.dashboardSession = { operator: session.operator, csrfToken: session.csrfToken };
      return;
    }
    if (isPageRequest(request)) {
      const next = encodeURIComponent(request.url);
      await reply.redirect(`/dashboard/login?next=${next}`, 303);
      return;
    }
    await reply.code(401).type('text/plain; charset=utf-8').send('Sign in at /dashboard/login first.');
  };
}

export function forbidden(reply: FastifyReply, reason: string): FastifyReply {
  return sendHtml(
    reply,
    barePage(
      'Forbidden',
      html`<p>${reason}</p>
        <p><a href="/dashboard">Back to the dashboard</a></p>`,
    ),
    403,
  );
}

/** Every form post carries the session's CSRF token in `_csrf` (or the X-CSRF-Token header). */
export const requireCsrfToken: preHandlerAsyncHookHandler = async (request, reply) => {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const header = request.headers['x-csrf-token'];
  const presented = formOf(request)['_csrf'] ?? (typeof header === 'string' ? header : undefined);
  if (presented === undefined || !sameToken(presented, sessionOf(request).csrfToken)) {
    await forbidden(
      reply,
      'The form has expired or did not come from this dashboard (CSRF token missing or wrong). Reload the page and try again.',
    );
  }
};

export const requireAdmin: preHandlerAsyncHookHandler = async (request, reply) => {
  if (sessionOf(request).operator.role !== 'ADMIN') {
    await forbidden(reply, 'Viewers can look but not act: this action needs an admin operator.');
  }
};
