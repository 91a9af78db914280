// Builds the sandbox: one Fastify instance with the app-wide hooks (correlation ids, auth,
// idempotency, error format), the state, and every route module. Listening is the caller's choice.
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { registerAuthorizeRoutes } from './authorize/routes.js';
import { AuthorizeService } from './authorize/service.js';
import { createSimClock, type SimClock } from './clock.js';
import type { SandboxConfig } from './config.js';
import type { RegisterRoutes, SandboxDeps } from './deps.js';
import { SandboxEvents } from './events.js';
import { authHook } from './http/auth.js';
import { baseUrlOf, listeningBaseUrl } from './http/base-url.js';
import { correlationHook } from './http/correlation.js';
import { frameworkErrorHandler, installErrorHandling } from './http/error-handler.js';
import { installJsonBodyParser } from './http/json-body.js';
import { installIdempotency } from './idempotency/hooks.js';
import { registerJourneyRoutes } from './journey/routes.js';
import { registerNotificationRoutes } from './notifications/routes.js';
import { registerPaymentRequestRoutes } from './payment-requests/routes.js';
import { registerSimRoutes } from './sim/routes.js';
import { createSandboxState, resetSandboxState, type SandboxState } from './state.js';
import type { TransactionLimits } from './transactions/model.js';
import { registerTransactionRoutes } from './transactions/routes.js';
import { registerWebhookRoutes } from './webhooks/routes.js';
import { createWebhookSystem } from './webhooks/system.js';

export type { SandboxState } from './state.js';

export interface Sandbox {
  app: FastifyInstance;
  deps: SandboxDeps;
  config: SandboxConfig;
  state: SandboxState;
  /** Listens (default: the configured host/port) and returns the base URL it serves on. */
  listen(opts?: { port?: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

export interface BuildOptions {
  /** A clock to share (tests); by default the sandbox makes its own. */
  clock?: SimClock;
  /** Tests only: per-transaction limits below Klarna's 200/500 (§18.7). */
  transactionLimits?: TransactionLimits;
}

export async function buildSandbox(config: SandboxConfig, opts: BuildOptions = {}): Promise<Sandbox> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // No per-request log lines: the hot path stays lean (and tests quiet).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Held "timeout" sockets must not keep close() waiting.
    forceCloseConnections: true,
    // Customer tokens (≤ 1024 chars) travel in /__sim paths.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: frameworkErrorHandler,
  });
  const clock = opts.clock ?? createSimClock();
  const events = new SandboxEvents();
  // Fixed at build, read on use: without a configured public URL it is where the server listens
  // (known only once it does; before that, the configured host and port).
  const publicBaseUrl = (): string =>
    config.publicBaseUrl ?? listeningBaseUrl(app.server.address()) ?? baseUrlOf(config.host, config.port);
  const state = await createSandboxState({
    config,
    clock,
    events,
    log: app.log,
    publicBaseUrl,
    transactionLimits: opts.transactionLimits,
  });
  const webhooks = createWebhookSystem({
    clock,
    events,
    acquirerAccountId: config.acquirerAccountId,
    log: app.log,
  });
  app.addHook('onClose', () => webhooks.close());
  const deps: SandboxDeps = {
    clock,
    events,
    state,
    authorize: new AuthorizeService({ ...state, clock, log: app.log }),
    webhooks,
    paymentRequests: state.paymentRequests,
    acquirerAccountId: config.acquirerAccountId,
    publicBaseUrl,
    reset: (o) => resetSandboxState(state, config, events, o),
    log: app.log,
  };

  installJsonBodyParser(app);
  installErrorHandling(app);
  app.addHook('onRequest', correlationHook);
  app.addHook('onRequest', authHook({ apiKey: config.apiKey, simToken: config.simToken }));
  installIdempotency(app, state.idempotency);

  const routeModules: RegisterRoutes[] = [
    registerAuthorizeRoutes,
    registerPaymentRequestRoutes,
    registerTransactionRoutes,
    registerNotificationRoutes,
    registerWebhookRoutes,
    registerJourneyRoutes,
    registerSimRoutes,
  ];
  for (const register of routeModules) register(app, deps);

  const close = async (): Promise<void> => {
    await app.close();
    clock.stop();
    await state.ledger.close();
  };

  const listen = async (listenOpts: { port?: number; host?: string } = {}): Promise<string> => {
    const host = listenOpts.host ?? config.host;
    await app.listen({ port: listenOpts.port ?? config.port, host });
    const address = app.server.address() as AddressInfo;
    return baseUrlOf(host, address.port);
  };

  return { app, deps, config, state, listen, close };
}
