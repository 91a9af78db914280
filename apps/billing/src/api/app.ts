// The merchant API as a Fastify instance, built from injected deps (no listening: the `api` role
// or a test decides what to do with it). Layout:
//   rebill-problems   every error as problem+json (root)
//   rebill-openapi    GET /openapi.json, GET /docs (root, unauthenticated)
//   /healthz /readyz  (root, unauthenticated)
//   /v1               rebill-auth (API key), rebill-idempotency (POST), then the resources
//   /dashboard        the operators' dashboard: its own sessions, CSRF and roles (dashboard/plugin.ts)
import { endRequestTrace, traceRequest, traceRequestIds } from '../ops/trace-context.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { dashboardPlugin } from '../dashboard/plugin.js';
import { resolveApiDeps, type ApiDeps, type ResolvedApiDeps } from './deps.js';
import { authPlugin } from './plugins/auth.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { openApiPlugin } from './plugins/openapi.js';
import { frameworkErrorHandler, problemsPlugin } from './plugins/problems.js';
import * as apiKeys from './routes/api-keys.js';
import * as captures from './routes/captures.js';
import * as chargeAttempts from './routes/charge-attempts.js';
import * as charges from './routes/charges.js';
import * as customers from './routes/customers.js';
import * as health from './routes/health.js';
import * as invoices from './routes/invoices.js';
import * as plans from './routes/plans.js';
import * as refunds from './routes/refunds.js';
import * as subscriptionLifecycle from './routes/subscription-lifecycle.js';
import * as subscriptionTransactions from './routes/subscription-transactions.js';
import * as subscriptions from './routes/subscriptions.js';
import * as tokenReplacements from './routes/token-replacements.js';
import * as tokenSubscriptions from './routes/token-subscriptions.js';
import * as webhooks from './routes/webhooks.js';

/** Every resource module under /v1; a new one is added here (and to the route-cases table). */
const V1_ROUTES: readonly { register(app: FastifyInstance, deps: ResolvedApiDeps): void }[] = [
  apiKeys,
  plans,
  customers,
  subscriptions,
  subscriptionLifecycle,
  tokenReplacements,
  tokenSubscriptions,
  subscriptionTransactions,
  invoices,
  charges,
  chargeAttempts,
  captures,
  refunds,
  webhooks,
];

export async function buildApiApp(input: ApiDeps): Promise<FastifyInstance> {
  const deps = resolveApiDeps(input);
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: deps.options.bodyLimitBytes,
    // Refuse rather than strip: a body with __proto__ is an attack or a bug, never data.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: frameworkErrorHandler,
    ...traceRequestIds,
  });
  app.addHook('onRequest', traceRequest);
  app.addHook('onResponse', endRequestTrace);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(problemsPlugin);
  await app.register(openApiPlugin);
  health.register(app, deps);

  await app.register(
    async (v1) => {
      await v1.register(authPlugin, {
        db: deps.db,
        clock: deps.clock,
        touchIntervalMs: deps.options.apiKeyTouchIntervalMs,
      });
      await v1.register(idempotencyPlugin, {
        db: deps.db,
        clock: deps.clock,
        lockMs: deps.options.idempotencyLockMs,
        ttlMs: deps.options.idempotencyTtlMs,
      });
      for (const routes of V1_ROUTES) routes.register(v1, deps);
    },
    { prefix: '/v1' },
  );

  const dashboard = deps.dashboard;
  if (dashboard !== undefined) {
    await app.register(
      (scope) => dashboardPlugin(scope, { ...dashboard, db: deps.db, clock: deps.clock, money: deps.money }),
      {
        prefix: '/dashboard',
      },
    );
  }

  deps.extraRoutes?.(app);
  await app.ready();
  return app;
}
