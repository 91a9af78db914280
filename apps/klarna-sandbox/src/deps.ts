// What app.ts hands to each route module. Route modules register on the Fastify instance they
// are given; /v2 authentication, the error format and correlation ids are app-wide hooks.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { SimClock } from './clock.js';
import type { PaymentRequestActions } from './contracts.js';
import type { SandboxEvents } from './events.js';

export interface SandboxDeps {
  clock: SimClock;
  events: SandboxEvents;
  paymentRequests: PaymentRequestActions;
  /** The acquiring partner's own account KRN: `recipient_account_id` of every webhook. */
  acquirerAccountId: string;
  /**
   * Base URL browsers and webhook receivers see, e.g. http://127.0.0.1:4010 (no trailing slash).
   * An accessor fixed at build: without SANDBOX_PUBLIC_URL it is known once the server listens.
   */
  publicBaseUrl: () => string;
  log: FastifyBaseLogger;
}

export type RegisterRoutes = (app: FastifyInstance, deps: SandboxDeps) => Promise<void>;
