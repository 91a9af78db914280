// Composition root of the api role: the merchant API (with the real signup service behind its
// port and the charge money job run inline for refunds and voids), the operators' dashboard at
// /dashboard (with bull-board over the role's queues), the operator's clock endpoints,
// health and readiness.
import { buildApiApp } from '../api/app.js';
import { registerOpsClockRoutes } from '../api/routes/ops-clock.js';
import { apiConfigSchema, isoDurationMs, parseConfig } from '../config/config.js';
import { DEFAULT_DASHBOARD_OPTIONS } from '../dashboard/deps.js';
import { systemClock } from '../domain/clock.js';
import { metricsSource } from '../ops/metrics-source.js';
import { roleRegistry } from '../ops/registry.js';
import { resumeSignup, startSignup } from '../signup/start-signup.js';
import { resumeTokenReplacement, startTokenReplacement } from '../signup/token-replacement.js';
import { pingDatabase } from '../store/health.js';
import { clockOperations, createProcessDeps, moneyDeps, signupDeps } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startApiRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(apiConfigSchema, env);
  const registry = roleRegistry('api');
  const deps = await createProcessDeps('api', config, env, registry);
  const signups = signupDeps(deps, {
    iso: config.SIGNUP_INTERACTION_EXPIRY,
    ms: isoDurationMs(config.SIGNUP_INTERACTION_EXPIRY),
  });
  const clock = clockOperations(deps);
  const app = await buildApiApp({
    db: deps.db,
    clock: deps.clock,
    vault: deps.vault,
    signups: {
      start: (input) => startSignup(signups, input),
      resume: (merchantId, subscriptionId, actor) => resumeSignup(signups, merchantId, subscriptionId, actor),
    },
    tokenReplacements: {
      start: (input) => startTokenReplacement(signups, input),
      resume: (merchantId, requestId, actor) => resumeTokenReplacement(signups, merchantId, requestId, actor),
    },
    money: moneyDeps(deps),
    readiness: {
      database: () => pingDatabase(deps.db),
      redis: async () => {
        await deps.redis.ping();
      },
    },
    metrics: metricsSource(registry),
    dashboard: {
      sessionClock: systemClock,
      queues: Object.values(deps.queues),
      options: {
        ...DEFAULT_DASHBOARD_OPTIONS,
        sessionTtlMs: isoDurationMs(config.DASHBOARD_SESSION_TTL),
        secureCookies: config.DASHBOARD_SECURE_COOKIES,
        retryLeaseMs: config.SCHEDULER_LEASE_MS,
      },
    },
    logger: deps.log,
    extraRoutes: (root) =>
      registerOpsClockRoutes(root, { ops: clock.ops, operatorToken: config.OPERATOR_TOKEN }),
  });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.API_PORT;
  const url = `http://${config.API_HOST}:${port}`;
  deps.log.info({ url, clockMode: config.CLOCK_MODE }, 'listening');
  return {
    name: 'api',
    url,
    async stop() {
      await app.close();
      await clock.close();
      await deps.close();
    },
  };
}
