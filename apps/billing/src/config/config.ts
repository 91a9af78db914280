// Process configuration, parsed once at start from the environment. Each role will add its own
// section; what every role needs lives here. A bad value stops the process with the variable's name.
import { Duration } from 'luxon';
import { z } from 'zod';
import { clockConfigShape } from '../clock/clock-config.js';
import { tracingConfigShape } from '../ops/tracing-config.js';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const baseConfigSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgresql://postgres@127.0.0.1:5432/rebill'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /**
   * Every BullMQ key is put under this prefix (as a `{hash tag}`), so several deployments can
   * share one Redis, and the queues run unchanged on a Redis Cluster.
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only (no braces)')
    .default('rebill'),
  LOG_LEVEL: logLevel.default('info'),
  /**
   * Connections of the role's pool for its hot-path transactions (the worker's renewals, the
   * scheduler's leases). Each transaction holds one for its round trips: a worker running many
   * jobs against a slow Klarna queues here before PostgreSQL is busy. Mind max_connections.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * How long a starting process waits for PostgreSQL to answer (a database restarting, or started
   * after the roles) before it gives up and exits.
   */
  STARTUP_DATABASE_WAIT_MS: milliseconds(60_000),
  KLARNA_BASE_URL: z.url().default('http://127.0.0.1:4010'),
  KLARNA_API_KEY: z.string().min(1).default('sandbox-api-key'),
  KLARNA_CONNECT_TIMEOUT_MS: milliseconds(5_000),
  /** Longest wait for Klarna's answer to one call (then: same key again). */
  KLARNA_REQUEST_TIMEOUT_MS: milliseconds(30_000),
  KLARNA_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
  /** The shared clock: CLOCK_MODE, CLOCK_SANDBOX, SANDBOX_SIM_TOKEN, timeouts, OPERATOR_TOKEN. */
  ...clockConfigShape,
  /** OpenTelemetry tracing (off unless an OTLP endpoint is set): OTEL_EXPORTER_OTLP_ENDPOINT, ... */
  ...tracingConfigShape,
});

/**
 * How long a next action's job owns its row: it must outlast the workers' drain of a full backlog
 * at their slowest (10,000 jobs in 5 minutes: 34 jobs/s), or a row is swept twice. The scheduler
 * leases with it, and so does the api's "retry now", which enqueues a job the same way.
 */
const schedulerLeaseMs = z.coerce.number().int().min(10_000).max(86_400_000).default(300_000);

/** The api role: merchant API, operator endpoints, OpenAPI. */
export const apiConfigSchema = baseConfigSchema.extend({
  SCHEDULER_LEASE_MS: schedulerLeaseMs,
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port(3000),
  /** How long a customer has for Klarna's purchase journey (ISO-8601, 15 min to 48 h, CONTRACT.md §5). */
  SIGNUP_INTERACTION_EXPIRY: z
    .string()
    .regex(/^PT(?:\d+H)?(?:\d+M)?$/, 'an ISO-8601 duration in hours and minutes, e.g. PT1H')
    .refine((iso) => {
      const ms = isoDurationMs(iso);
      return ms >= 15 * 60_000 && ms <= 48 * 3_600_000;
    }, 'must be from 15 minutes (PT15M) to 48 hours (PT48H)')
    .default('PT1H'),
  /** How long an operator's dashboard session lasts after sign-in (ISO-8601, 5 min to 7 days). */
  DASHBOARD_SESSION_TTL: z
    .string()
    .regex(/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?)?$/, 'an ISO-8601 duration, e.g. PT8H')
    .refine((iso) => {
      const ms = isoDurationMs(iso);
      return ms >= 5 * 60_000 && ms <= 7 * 86_400_000;
    }, 'must be from 5 minutes (PT5M) to 7 days (P7D)')
    .default('PT8H'),
  /** Mark the dashboard's cookies Secure (set when the api is served over https). */
  DASHBOARD_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

/** The webhooks role: Klarna's notifications in, applied to signups. */
export const webhooksConfigSchema = baseConfigSchema.extend({
  WEBHOOKS_HOST: z.string().min(1).default('127.0.0.1'),
  WEBHOOKS_PORT: port(3001),
  /** The URL Klarna delivers to (registered at start); defaults to where this role listens. */
  WEBHOOKS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Register Rebill's endpoint and signing key with Klarna at start (idempotent). */
  WEBHOOKS_REGISTER_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

/**
 * The ops server of a role without an HTTP server (worker, scheduler): /healthz, /readyz, /metrics.
 * Off unless its port is set (two workers on one host would fight over a fixed default); 0 takes
 * any free port. Loopback by default: metrics are for the host's scraper, not the internet.
 */
const metricsPort = z.coerce.number().int().min(0).max(65_535).optional();
const METRICS_HOST = z.string().min(1).default('127.0.0.1');

/** The worker role: BullMQ processors. */
export const workerConfigSchema = baseConfigSchema.extend({
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  /**
   * How long a worker's lock on a job lasts (renewed at half of it while the job runs), and how often
   * workers look for jobs whose lock lapsed (a worker that died): such a job runs again elsewhere.
   * BullMQ's defaults; lower values recover faster from a dead worker at the cost of more Redis calls.
   */
  WORKER_LOCK_DURATION_MS: milliseconds(30_000),
  WORKER_STALLED_INTERVAL_MS: milliseconds(30_000),
  WORKER_METRICS_PORT: metricsPort,
  METRICS_HOST,
});

/** The scheduler role: sweeps of due work into the queues. */
export const schedulerConfigSchema = baseConfigSchema.extend({
  SCHEDULER_TICK_MS: milliseconds(1_000),
  SCHEDULER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Next actions one tick leases per merchant at most (fairness between merchants). */
  SCHEDULER_MERCHANT_CAP: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** Next actions one tick leases in all at most. */
  SCHEDULER_TICK_MAX: z.coerce.number().int().min(1).max(10_000_000).default(5_000),
  /** A tick leases no next action while the subscriptions queue holds this many waiting jobs. */
  SCHEDULER_QUEUE_BACKLOG: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  SCHEDULER_LEASE_MS: schedulerLeaseMs,
  SCHEDULER_METRICS_PORT: metricsPort,
  METRICS_HOST,
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Milliseconds of an ISO-8601 duration such as PT1H30M (NaN when unreadable). */
export function isoDurationMs(iso: string): number {
  const duration = Duration.fromISO(iso);
  return duration.isValid ? duration.toMillis() : Number.NaN;
}

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; problem: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env with a schema; unset and empty variables both take the default. */
export function parseConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => ({ variable: i.path.map(String).join('.'), problem: i.message })),
    );
  }
  return result.data;
}
