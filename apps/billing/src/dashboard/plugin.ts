// The operators' dashboard under /dashboard, inside the api role but outside /v1: it has its own
// sign-in (operators, not API keys) and no Idempotency-Key handling. Scopes, outermost first:
//   form parser, cookies        the whole dashboard
//   GET/POST /login             public
//   session                     everything else: a signed-in operator
//     CSRF token                pages and form posts (logout included)
//       ADMIN                   actions
//     same-origin + ADMIN       bull-board's mutating API routes (queues.ts)
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { DashboardDeps } from './deps.js';
import { addFormParser } from './forms.js';
import { registerLoginRoutes, registerLogoutRoute } from './login.js';
import * as cancel from './actions/cancel.js';
import * as refund from './actions/refund.js';
import * as resendWebhook from './actions/resend-webhook.js';
import * as resolveHeld from './actions/resolve-held.js';
import * as retryNow from './actions/retry-now.js';
import * as charges from './pages/charges.js';
import * as held from './pages/held.js';
import * as overview from './pages/overview.js';
import * as pastDue from './pages/past-due.js';
import * as recovery from './pages/recovery.js';
import * as renewals from './pages/renewals.js';
import * as subscription from './pages/subscription.js';
import * as webhookDeliveries from './pages/webhook-deliveries.js';
import { registerQueueBoard } from './queues.js';
import { requireAdmin, requireCsrfToken, requireSession } from './session.js';

interface RouteModule {
  register(app: FastifyInstance, deps: DashboardDeps): void;
}

/** Read-only pages, for every operator. */
const PAGES: readonly RouteModule[] = [
  overview,
  pastDue,
  renewals,
  charges,
  recovery,
  held,
  subscription,
  webhookDeliveries,
];
/** Form posts that change something: admins only. */
const ACTIONS: readonly RouteModule[] = [retryNow, resolveHeld, cancel, refund, resendWebhook];

export async function dashboardPlugin(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  addFormParser(app);
  await app.register(cookie);
  app.decorateRequest('dashboardSession', null);
  registerLoginRoutes(app, deps);

  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', requireSession(deps));
    await signedIn.register(async (forms) => {
      forms.addHook('preHandler', requireCsrfToken);
      registerLogoutRoute(forms, deps);
      for (const pages of PAGES) pages.register(forms, deps);
      await forms.register((admin, _options, done) => {
        admin.addHook('preHandler', requireAdmin);
        for (const actions of ACTIONS) actions.register(admin, deps);
        done();
      });
    });
    if (deps.queues.length > 0) await registerQueueBoard(signedIn, deps);
  });
}
