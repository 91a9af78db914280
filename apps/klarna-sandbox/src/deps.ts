// What app.ts (the composition root) builds once and hands to every route module. Each route
// module is a RegisterRoutes: it registers on the Fastify instance it is given and takes what it
// needs from the deps; nothing in the deps changes after the build. /v2 authentication, the error
// format, idempotency and correlation ids are app-wide hooks.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AuthorizeService } from './authorize/service.js';
import type { SimClock } from './clock.js';
import type { PaymentRequestActions } from './contracts.js';
import type { SandboxEvents } from './events.js';
import type { SandboxState } from './state.js';
import type { WebhookSystem } from './webhooks/system.js';

export interface SandboxDeps {
  clock: SimClock;
  events: SandboxEvents;
  state: SandboxState;
  authorize: AuthorizeService;
  webhooks: WebhookSystem;
  /** The customer's view of payment requests (journey page, tests). */
  paymentRequests: PaymentRequestActions;
  /** The acquiring partner's own account KRN: `recipient_account_id` of every webhook. */
  acquirerAccountId: string;
  /**
   * Base URL browsers and webhook receivers see, e.g. http://127.0.0.1:4010 (no trailing slash).
   * An accessor fixed at build: without SANDBOX_PUBLIC_URL it is known once the server listens.
   */
  publicBaseUrl: () => string;
  /** POST /__sim/reset: back to a fresh start; the ledger only if asked. */
  reset: (opts: { clearLedger: boolean }) => Promise<void>;
  log: FastifyBaseLogger;
}

export type RegisterRoutes = (app: FastifyInstance, deps: SandboxDeps) => void;
