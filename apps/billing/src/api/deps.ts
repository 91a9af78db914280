// Everything the API app is built from. Nothing here is created by the app itself: the caller
// (the `api` role's entry point, or a test) owns the database client, the clock and the ports.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Clock } from '../domain/clock.js';
import type { MoneyDeps } from '../money/deps.js';
import type { MetricsSource } from '../ops/metrics-source.js';
import type { Db } from '../store/db.js';
import type { SubscriptionSignups, TokenReplacements } from './ports.js';
import type { Vault } from '../vault/vault.js';

/** Resolves when the dependency answers; rejects (or hangs past the timeout) when it does not. */
export type ReadinessProbe = () => Promise<void>;

export interface ApiOptions {
  /** Largest request body accepted, in bytes (default 64 KiB: no request needs more). */
  readonly bodyLimitBytes: number;
  /** How long an Idempotency-Key stays locked by a request in flight before another may take it over. */
  readonly idempotencyLockMs: number;
  /** How long a finished request's answer is replayed for the same key. */
  readonly idempotencyTtlMs: number;
  /** An API key's lastUsedAt is written at most this often. */
  readonly apiKeyTouchIntervalMs: number;
  /** A readiness probe that has not answered by then counts as failed. */
  readonly readinessTimeoutMs: number;
}

export const DEFAULT_API_OPTIONS: ApiOptions = Object.freeze({
  bodyLimitBytes: 64 * 1024,
  idempotencyLockMs: 2 * 60_000,
  idempotencyTtlMs: 24 * 3_600_000,
  apiKeyTouchIntervalMs: 60_000,
  readinessTimeoutMs: 2_000,
});

export interface ApiDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly signups: SubscriptionSignups;
  /** New Klarna journeys for running subscriptions' tokens; absent: the route is not served. */
  readonly tokenReplacements?: TokenReplacements;
  /**
   * The charge money job, run inline after a refund or a void is written. Absent: the row is left
   * for the worker's money sweep and the answer shows it PENDING.
   */
  readonly money?: MoneyDeps;
  /** Seals merchant webhook signing secrets; absent: the /v1/webhook-* routes are not served. */
  readonly vault?: Vault;
  /** Checked by GET /readyz, by name (e.g. `database`, `redis`). */
  readonly readiness: Readonly<Record<string, ReadinessProbe>>;
  /** Answers GET /metrics (Prometheus text), unauthenticated like /healthz; omitted: no route. */
  readonly metrics?: MetricsSource;
  /** Request logging; omitted: none. Pass the role's pino logger (it redacts secrets). */
  readonly logger?: FastifyBaseLogger;
  readonly options?: Partial<ApiOptions>;
  /** Routes outside /v1 that another part of the role brings (e.g. the operator's /internal/clock). */
  readonly extraRoutes?: (app: FastifyInstance) => void;
}

/** Deps with every option filled in, as the plugins and routes receive them. */
export interface ResolvedApiDeps extends Omit<ApiDeps, 'options'> {
  readonly options: ApiOptions;
}

export function resolveApiDeps(deps: ApiDeps): ResolvedApiDeps {
  return { ...deps, options: { ...DEFAULT_API_OPTIONS, ...deps.options } };
}
