// Builds the sandbox: one Fastify instance with the app-wide hooks (correlation ids, auth,
// error format), the state stores, and every route module. Listening is the caller's choice.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAuthorizeRoute } from './authorize/routes.js';
import { AuthorizeService } from './authorize/service.js';
import { createSimClock, type SimClock } from './clock.js';
import type { SandboxConfig } from './config.js';
import type { SandboxDeps } from './deps.js';
import { SandboxEvents } from './events.js';
import { authHook } from './http/auth.js';
import { correlationHook } from './http/correlation.js';
import { frameworkErrorHandler, installErrorHandling } from './http/error-handler.js';
import { installJsonBodyParser } from './http/json-body.js';
import { Ledger } from './ledger/ledger.js';
import { installIdempotency } from './idempotency/hooks.js';
import { IdempotencyStore } from './idempotency/store.js';
import { registerJourneyRoutes } from './journey/routes.js';
import { registerNotificationRoutes } from './notifications/routes.js';
import { PaymentRequestEngine } from './payment-requests/engine.js';
import { registerPaymentRequestRoutes } from './payment-requests/routes.js';
import { settingsFromConfig, type SandboxSettings } from './settings.js';
import { registerSimLedgerRoutes } from './sim/ledger-routes.js';
import { registerSimPaymentRequestRoutes } from './sim/payment-request-routes.js';
import { registerSimSettingsRoutes } from './sim/settings-routes.js';
import { registerSimTokenRoutes } from './sim/token-routes.js';
import { CustomerTokenStore } from './tokens/customer-tokens.js';
import { SessionTokenStore } from './tokens/session-tokens.js';
import { registerWebhookRoutes } from './webhooks/routes.js';

export interface SandboxState {
  paymentRequests: PaymentRequestEngine;
  customerTokens: CustomerTokenStore;
  sessionTokens: SessionTokenStore;
  ledger: Ledger;
  settings: SandboxSettings;
  idempotency: IdempotencyStore;
}

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
}

export async function buildSandbox(config: SandboxConfig, opts: BuildOptions = {}): Promise<Sandbox> {
  const app = Fastify({
    logger: { level: config.logLevel },
    disableRequestLogging: true,
    bodyLimit: config.bodyLimitBytes,
    // Held "timeout" sockets must not keep close() waiting.
    forceCloseConnections: true,
    // Customer tokens (≤ 1024 chars) travel in /__sim paths.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: frameworkErrorHandler,
  });
  const clock = opts.clock ?? createSimClock();
  const events = new SandboxEvents();
  const customerTokens = new CustomerTokenStore();
  const sessionTokens = new SessionTokenStore();
  const paymentRequests = new PaymentRequestEngine({
    clock,
    events,
    customerTokens,
    sessionTokens,
    publicBaseUrl: () => deps.publicBaseUrl,
    log: app.log,
  });
  const ledger = new Ledger();
  const settings = settingsFromConfig(config);
  const idempotency = new IdempotencyStore({ now: () => clock.now(), maxKeys: config.idempotencyMaxKeys });
  const state: SandboxState = {
    paymentRequests,
    customerTokens,
    sessionTokens,
    ledger,
    settings,
    idempotency,
  };
  const authorizeService = new AuthorizeService({
    clock,
    customerTokens,
    sessionTokens,
    paymentRequests,
    ledger,
    settings,
    log: app.log,
  });

  const deps: SandboxDeps = {
    clock,
    events,
    paymentRequests,
    acquirerAccountId: config.acquirerAccountId,
    publicBaseUrl: config.publicBaseUrl ?? `http://${config.host}:${config.port}`,
    log: app.log,
  };

  installJsonBodyParser(app);
  installErrorHandling(app);
  app.addHook('onRequest', correlationHook);
  app.addHook('onRequest', authHook({ apiKey: config.apiKey, simToken: config.simToken }));
  installIdempotency(app, idempotency);

  registerAuthorizeRoute(app, { clock, service: authorizeService, settings });
  registerPaymentRequestRoutes(app, paymentRequests);
  registerSimPaymentRequestRoutes(app, paymentRequests);
  registerSimTokenRoutes(app, customerTokens, clock);
  registerSimSettingsRoutes(app, settings);
  registerSimLedgerRoutes(app, ledger);
  await registerNotificationRoutes(app, deps);
  await registerWebhookRoutes(app, deps);
  await registerJourneyRoutes(app, deps);

  const close = async (): Promise<void> => {
    await app.close();
    clock.stop();
  };

  const listen = async (listenOpts: { port?: number; host?: string } = {}): Promise<string> => {
    const host = listenOpts.host ?? config.host;
    await app.listen({ port: listenOpts.port ?? config.port, host });
    const address = app.server.address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const baseUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
    // Without a configured public URL, links (payment_request_url) point at where we listen.
    if (config.publicBaseUrl === undefined) deps.publicBaseUrl = baseUrl;
    return baseUrl;
  };

  return { app, deps, config, state, listen, close };
}
