// What every role process is built from: configuration, the logger, PostgreSQL (Prisma), Redis
// (BullMQ), the shared clock, the vault and the Klarna client. One composition per process; the
// role's own file adds its parts and owns the shutdown order.
import { KlarnaPaymentTransactions } from '../klarna/klarna-payment-transactions.js';
import type { MoneyDeps } from '../money/deps.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { bothKlarnaObservers, klarnaCallSpans } from '../ops/klarna-call-spans.js';
import { klarnaCallMetrics } from '../ops/metrics.js';
import { startTracing, type Tracing } from '../ops/tracing.js';
import { tracedTransactions } from '../ops/transaction-spans.js';
import type { Readiness } from '../ops/readiness.js';
import { sandboxClockFor } from '../clock/clock-config.js';
import { createClockOperations, type ClockOperations } from '../clock/operations.js';
import { createProcessClock, type ProcessClock } from '../clock/process-clock.js';
import { createQuiescenceProbe } from '../clock/quiescence.js';
import type { BaseConfig } from '../config/config.js';
import type { Clock } from '../domain/index.js';
import { createLogger } from '../config/logger.js';
import { KlarnaHttp, type KlarnaCallObserver } from '../klarna/http.js';
import { KlarnaNetworkGateway } from '../klarna/klarna-network-gateway.js';
import { KlarnaNotifications } from '../klarna/notifications.js';
import { bullPrefix, JOBS, leasedJob, QUEUES, type RunNextActionPayload } from '../queue/catalog.js';
import { redisAccountThrottle } from '../renewal/account-throttle.js';
import type { RenewalDeps } from '../renewal/deps.js';
import type { SignupDeps } from '../signup/deps.js';
import type { Db } from '../store/db.js';
import { pingDatabase } from '../store/health.js';
import { createPipelinedTransactions, type PipelinedTransactions } from '../store/pipelined-transaction.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { waitForDatabase } from './wait-for-database.js';

export type RoleName = 'api' | 'webhooks' | 'worker' | 'scheduler';

export interface ProcessDeps {
  readonly role: RoleName;
  readonly config: BaseConfig;
  readonly log: Logger;
  /** This process's metrics (made by its composition root; Klarna's call latency is on it). */
  readonly registry: Registry;
  /** OpenTelemetry (its BullMQ hook for the worker's Workers); off unless configured. */
  readonly tracing: Tracing;
  readonly db: Db;
  /** Plain-pg transactions for the renewal hot path (a pool of its own, opened on first use). */
  readonly transactions: PipelinedTransactions;
  /** One connection for producers and queue reads; workers make their own blocking ones. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly queues: {
    readonly subscriptions: Queue;
    readonly webhookEvents: Queue;
    readonly money: Queue;
    readonly merchantWebhooks: Queue;
  };
  readonly clock: ProcessClock;
  readonly vault: Vault;
  readonly klarnaHttp: KlarnaHttp;
  readonly gateway: KlarnaNetworkGateway;
  /** Captures, refunds, voids and reads over the same agent as the gateway. */
  readonly payments: KlarnaPaymentTransactions;
  readonly notifications: KlarnaNotifications;
  /** Closes everything above, in reverse order of need. */
  close(): Promise<void>;
}

export async function createProcessDeps(
  role: RoleName,
  config: BaseConfig,
  env: NodeJS.ProcessEnv,
  registry: Registry,
): Promise<ProcessDeps> {
  // First: everything made below (queues, the Klarna client, transactions) may be traced.
  const tracing = startTracing(role, config);
  const { tracer } = tracing;
  const log = createLogger({ level: config.LOG_LEVEL, name: role });
  const vaultSettings = loadVaultKeyring(env);
  if (vaultSettings.warning !== undefined) log.warn(vaultSettings.warning);
  const vault = new Vault(vaultSettings.keyring);
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  const pipelined = createPipelinedTransactions({
    databaseUrl: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    onIdleError: (error) => log.warn({ err: error }, 'idle PostgreSQL connection lost'),
  });
  const transactions = tracer === null ? pipelined : tracedTransactions(pipelined);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, enableReadyCheck: true });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const prefix = bullPrefix(config.REDIS_PREFIX);
  const queueOptions = { connection: redis, prefix, ...bullTelemetry(tracing) };
  const queues = {
    subscriptions: new Queue(QUEUES.subscriptions, queueOptions),
    webhookEvents: new Queue(QUEUES.webhookEvents, queueOptions),
    money: new Queue(QUEUES.money, queueOptions),
    merchantWebhooks: new Queue(QUEUES.merchantWebhooks, queueOptions),
  };
  await waitForDatabase(db, { timeoutMs: config.STARTUP_DATABASE_WAIT_MS, log, sleep: realSleep });
  const clock = createProcessClock({
    mode: config.CLOCK_MODE,
    databaseUrl: config.DATABASE_URL,
    role,
    db,
    log,
  });
  await clock.start();
  const metrics = klarnaCallMetrics(registry);
  const klarnaHttp = klarnaHttpFor(
    config,
    log,
    clock,
    tracer === null ? metrics : bothKlarnaObservers(metrics, klarnaCallSpans(tracer)),
  );
  return {
    role,
    config,
    log,
    registry,
    tracing,
    db,
    transactions,
    redis,
    prefix,
    queues,
    clock,
    vault,
    klarnaHttp,
    gateway: new KlarnaNetworkGateway(klarnaHttp),
    payments: new KlarnaPaymentTransactions(klarnaHttp),
    notifications: new KlarnaNotifications(klarnaHttp),
    async close() {
      await Promise.allSettled([
        queues.subscriptions.close(),
        queues.webhookEvents.close(),
        queues.money.close(),
        queues.merchantWebhooks.close(),
      ]);
      await clock.stop();
      await klarnaHttp.close();
      await transactions.close();
      await disconnect(db);
      await redis.quit().catch(() => redis.disconnect());
      await tracing.shutdown();
    },
  };
}

/** BullMQ's `telemetry` option when tracing is on; nothing (no telemetry work at all) when off. */
export function bullTelemetry(tracing: Tracing): { telemetry?: NonNullable<Tracing['bullmq']> } {
  return tracing.bullmq === undefined ? {} : { telemetry: tracing.bullmq };
}

/** Real waiting: for PostgreSQL at start, and between a role's in-job retries (tests inject their own). */
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The signup services' dependencies, from a process's. */
export function signupDeps(deps: ProcessDeps, interactionExpiry: { iso: string; ms: number }): SignupDeps {
  return {
    db: deps.db,
    clock: deps.clock,
    gateway: deps.gateway,
    vault: deps.vault,
    log: deps.log,
    interactionExpiry,
    enqueueNextAction: async (payload: RunNextActionPayload, leaseUntil: Date) => {
      const job = leasedJob(JOBS.runNextAction, payload, leaseUntil);
      await deps.queues.subscriptions.add(job.name, job.data, job.opts);
    },
    sleep: realSleep,
  };
}

/** The renewal engine's dependencies, from a process's. */
export function renewalDeps(deps: ProcessDeps): RenewalDeps {
  return {
    db: deps.db,
    transactions: deps.transactions,
    clock: deps.clock,
    gateway: deps.gateway,
    vault: deps.vault,
    log: deps.log,
    throttle: redisAccountThrottle(deps.redis, deps.prefix),
    sleep: realSleep,
    resendDelaysMs: RENEWAL_RESEND_DELAYS_MS,
  };
}

/** The charge money job's dependencies, from a process's. */
export function moneyDeps(deps: ProcessDeps): MoneyDeps {
  return {
    db: deps.db,
    clock: deps.clock,
    payments: deps.payments,
    log: deps.log,
    throttle: redisAccountThrottle(deps.redis, deps.prefix),
    sleep: realSleep,
    resendDelaysMs: RENEWAL_RESEND_DELAYS_MS,
  };
}

/** In-job re-sends of a charge whose outcome is unknown (5xx, timeout, 429), same key each time. */
const RENEWAL_RESEND_DELAYS_MS = [250, 1_000, 4_000] as const;

/** The Klarna HTTP client for this configuration (a role's, or a CLI command's). */
export function klarnaHttpFor(
  config: BaseConfig,
  log: Logger,
  clock: Clock,
  observer?: KlarnaCallObserver,
): KlarnaHttp {
  return new KlarnaHttp({
    baseUrl: config.KLARNA_BASE_URL,
    apiKey: config.KLARNA_API_KEY,
    logger: log,
    clock,
    connectTimeoutMs: config.KLARNA_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: config.KLARNA_REQUEST_TIMEOUT_MS,
    bodyTimeoutMs: config.KLARNA_REQUEST_TIMEOUT_MS,
    requestTimeoutMs: config.KLARNA_REQUEST_TIMEOUT_MS,
    connections: config.KLARNA_CONNECTIONS,
    ...(observer === undefined ? {} : { observer }),
  });
}

/** What the CLI and the operator endpoint do with the clock, for this process's configuration. */
export function clockOperations(deps: Pick<ProcessDeps, 'config' | 'db' | 'log' | 'prefix'>): {
  ops: ClockOperations;
  close(): Promise<void>;
} {
  const { config } = deps;
  const sandbox = sandboxClockFor(config);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', (error) => deps.log.warn({ err: error }, 'redis connection error'));
  const quiet = createQuiescenceProbe({
    db: deps.db,
    redis,
    bullPrefix: deps.prefix,
    sandbox,
  });
  const ops = createClockOperations({
    db: deps.db,
    mode: config.CLOCK_MODE,
    sandbox,
    quiet,
    log: deps.log,
    ackTimeoutMs: config.CLOCK_ACK_TIMEOUT_MS,
    quietTimeoutMs: config.CLOCK_QUIET_TIMEOUT_MS,
  });
  return {
    ops,
    async close() {
      await quiet.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Readiness: PostgreSQL and Redis answer. */
export async function readiness(deps: ProcessDeps): Promise<Readiness> {
  const checks: Record<string, string> = {};
  await Promise.all([
    pingDatabase(deps.db).then(
      () => (checks.postgres = 'ok'),
      () => (checks.postgres = 'unreachable'),
    ),
    deps.redis.ping().then(
      () => (checks.redis = 'ok'),
      () => (checks.redis = 'unreachable'),
    ),
  ]);
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
}
