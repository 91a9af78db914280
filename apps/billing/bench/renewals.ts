// Renewals end to end: N ACTIVE subscriptions (a sandbox-minted token each, over a few merchants)
// fall due at once; the real scheduler sweeps them into BullMQ and the real worker charges each
// (attempt, token decrypt, authorize with capture NOW at the Klarna sandbox, Charge + Capture,
// invoice PAID, subscription moved to period 1). Measured from the instant they fell due to the
// last Charge recorded, next to `pgbench -N` TPS measured in the same run; then again with the
// sandbox answering every authorize after a fixed latency (300 ms), and once more at zero latency:
// the latency phase's rate as a ratio to the mean of the two zero-latency phases around it.
//
//   npm run bench:renewals -w @rebill/billing [-- --subscriptions 5000 --merchants 4 --seconds 15]
//   ... -- --skip-pgbench --skip-latency     (faster, while working on the hot path)
//   ... -- --cpu-prof /tmp/prof              (V8 CPU profile of the worker role)
//
// Everything runs as real processes: the Klarna sandbox, and the worker and scheduler roles
// through `rebill <role>`, on a database and Redis prefix of their own (removed at the end).
// Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the local defaults) and pgbench.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrlFromEnv } from '../../../prisma/tools/database-url.mjs';
import { runPgbench, type PgbenchResult } from './support/pgbench.js';
import {
  cpuBetween,
  findPid,
  postgresSnapshot,
  processCpuMs,
  type PostgresSnapshot,
} from './support/proc-cpu.js';
import { makeDue, prepareRenewalFixtures } from './support/renewal-fixtures.js';
import { SystemUnderTest, type BenchRole } from './support/system-under-test.js';
import { integerFlag, say } from './support/cli.js';

const TARGET_RATIO = 0.3;
const TARGET_LATENCY_RATIO = 0.9;
const ROLES: readonly BenchRole[] = ['worker', 'scheduler'];

const { values: args } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: process.env.BENCH_RENEWALS ?? '5000' },
    merchants: { type: 'string', default: '4' },
    /** Worker concurrency of the zero-latency phase. */
    concurrency: { type: 'string', default: '64' },
    /** The sandbox's fixed authorize latency in the second phase, and the worker's concurrency there. */
    'latency-ms': { type: 'string', default: '300' },
    /** Default: the zero-latency concurrency plus twice the calls in flight at the zero-latency rate. */
    'latency-concurrency': { type: 'string' },
    /** The worker's DATABASE_POOL_SIZE in the zero-latency phase (the role's default). */
    pool: { type: 'string', default: '10' },
    /** Default: the pool scaled with the concurrency (one connection per 8 jobs in flight, at least --pool). */
    'latency-pool': { type: 'string' },
    'latency-subscriptions': { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
    /** pgbench's duration. */
    seconds: { type: 'string', default: '15' },
    'skip-pgbench': { type: 'boolean', default: false },
    /** Subscriptions renewed before the measurement (JIT, pools, prepared statements). */
    warmup: { type: 'string', default: '300' },
    'setup-concurrency': { type: 'string', default: '16' },
    /** Scheduler tick (ms): how soon after falling due a sweep sees the rows. */
    'tick-ms': { type: 'string', default: '100' },
    /** Longest wait without progress before the run is declared stuck (s). */
    'stall-timeout': { type: 'string', default: '60' },
    'cpu-prof': { type: 'string' },
    'keep-database': { type: 'boolean', default: false },
  },
});

const count = (name: string, min: number): number => integerFlag(args, name, min);
const subscriptions = count('subscriptions', 1);
const merchants = count('merchants', 1);
const concurrency = count('concurrency', 1);
const latencyMs = count('latency-ms', 0);
const pool = count('pool', 1);
const fixedLatencyPool = args['latency-pool'] === undefined ? null : count('latency-pool', 1);
const fixedLatencyConcurrency =
  args['latency-concurrency'] === undefined ? null : count('latency-concurrency', 1);
const latencySubscriptions = args['skip-latency']
  ? 0
  : args['latency-subscriptions'] === undefined
    ? subscriptions
    : count('latency-subscriptions', 1);
const pgbenchSeconds = count('seconds', 1);
const warmup = count('warmup', 0);
const setupConcurrency = count('setup-concurrency', 1);
const tickMs = count('tick-ms', 10);
const stallTimeoutMs = count('stall-timeout', 1) * 1000;

interface CpuSnapshot {
  readonly processes: Record<string, number>;
  readonly postgres: PostgresSnapshot;
}

interface PhaseResult {
  readonly label: string;
  readonly renewals: number;
  /** First due to the last Charge recorded (s). */
  readonly wall: number;
  readonly rate: number;
  readonly firstChargeMs: number;
  readonly cpu: [string, number][];
  readonly db: string;
}

async function main(): Promise<number> {
  const serverUrl = databaseUrlFromEnv();
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const startedAt = new Date();
  const load = loadavg();
  say(`creating the system under test (database, sandbox, roles: ${ROLES.join(', ')}) ...`);
  const system = await SystemUnderTest.create({
    serverUrl,
    redisUrl,
    roles: ROLES,
    cpuProfileDir: args['cpu-prof'],
    env: { ...workerEnv(concurrency, pool), SCHEDULER_TICK_MS: String(tickMs) },
  });
  let stopping: Promise<unknown> | undefined;
  const stopSystem = () => (stopping ??= system.stop({ keepDatabase: args['keep-database'] }));
  process.once('SIGINT', () => {
    say('interrupted: cleaning up ...');
    void stopSystem().finally(() => process.exit(130));
  });
  const poll = new pg.Client({ connectionString: system.databaseUrl });
  let pollClosed: Promise<void> | undefined;
  const closePoll = () => (pollClosed ??= poll.end().catch(() => undefined));
  try {
    await system.startProcesses();
    // With a latency phase, the zero-latency phase runs again after it (A-B-A), each after a
    // restart of the worker and a warm-up of its own: with the same settings in both phases, the
    // second ran at 0.86 to 0.91 of the first (PostgreSQL and the worker spend more per renewal as
    // the tables grow), so a ratio to the first phase alone charges that drift to the latency.
    const again = latencySubscriptions > 0 ? subscriptions : 0;
    const groups = [
      warmup,
      subscriptions,
      latencySubscriptions > 0 ? warmup : 0,
      latencySubscriptions,
      again > 0 ? warmup : 0,
      again,
    ];
    say(`setting up ${groups.reduce((a, b) => a + b, 0)} subscriptions over ${merchants} merchants ...`);
    const setupStarted = performance.now();
    const fixtures = await prepareRenewalFixtures(system, {
      merchants,
      groups,
      concurrency: setupConcurrency,
      progress: say,
    });
    say(`  done in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    await poll.connect();
    // A database that grew from empty within a minute has no statistics yet (autovacuum has not
    // come round): without them the planner scans small tables whole. Production tables have them.
    await poll.query('ANALYZE');
    const pollPid = (await poll.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1;
    const [
      warmIds = [],
      measuredIds = [],
      latencyWarmIds = [],
      latencyIds = [],
      againWarmIds = [],
      againIds = [],
    ] = fixtures.groups;

    const redisPid = findPid('redis-server');
    const snapshot = (): CpuSnapshot => {
      const pids: Record<string, number> = { 'klarna-sandbox': system.sandbox?.pid ?? -1 };
      for (const [role, child] of system.roles) pids[role] = child.pid;
      if (redisPid !== null) pids['redis-server (whole server)'] = redisPid;
      return {
        processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)])),
        postgres: postgresSnapshot(system.databaseName, new Set([pollPid])),
      };
    };
    let charged = 0;
    const runPhase = async (label: string, ids: readonly string[]): Promise<PhaseResult> => {
      const expected = charged + ids.length;
      const dbBefore = await databaseCounters(poll);
      const before = snapshot();
      const dueAt = await makeDue(poll, ids);
      let last = charged;
      let lastProgress = performance.now();
      for (;;) {
        await sleep(100);
        const n = await scalar(poll, 'SELECT count(*)::int AS n FROM "Charge"');
        if (n >= expected) break;
        if (n > last) {
          last = n;
          lastProgress = performance.now();
        } else if (performance.now() - lastProgress > stallTimeoutMs) {
          throw new Error(`${label}: stuck at ${n - charged}/${ids.length} charges`);
        }
      }
      const after = snapshot();
      const dbAfter = await databaseCounters(poll);
      charged = expected;
      const times = await poll.query<{ first: Date; last: Date }>(
        `SELECT min("createdAt") AS first, max("createdAt") AS last FROM "Charge" WHERE "subscriptionId" = ANY($1::uuid[])`,
        [ids],
      );
      const lastMs = times.rows[0]?.last.getTime() ?? Number.NaN;
      const wall = (lastMs - dueAt) / 1000;
      return {
        label,
        renewals: ids.length,
        wall,
        rate: ids.length / wall,
        firstChargeMs: (times.rows[0]?.first.getTime() ?? Number.NaN) - dueAt,
        cpu: cpuRows(before, after),
        db: databaseLine(dbBefore, dbAfter, ids.length),
      };
    };

    if (warmIds.length > 0) {
      say(`warm-up: ${warmIds.length} renewals ...`);
      await runPhase('warm-up', warmIds);
    }
    let floor: PgbenchResult | null = null;
    if (!args['skip-pgbench']) {
      say(`pgbench -N for ${pgbenchSeconds} s (the system under test idle) ...`);
      floor = await runPgbench({
        serverUrl,
        database: `rebill_bench_pgbench_${system.id}`,
        seconds: pgbenchSeconds,
      });
    }
    say(`measuring: ${measuredIds.length} renewals due at once, worker concurrency ${concurrency} ...`);
    const zero = await runPhase('zero latency', measuredIds);
    let slow: PhaseResult | null = null;
    let zeroAgain: PhaseResult | null = null;
    // Enough jobs in flight to keep every call the zero-latency rate makes waiting on the sandbox,
    // twice over, on top of what the zero-latency phase ran with.
    const latencyConcurrency =
      fixedLatencyConcurrency ?? Math.min(512, concurrency + Math.ceil(zero.rate * (latencyMs / 1000) * 2));
    // Each job holds a pooled connection for its two transactions' round trips: at this concurrency
    // a pool of 10 was the limit (the processes used 130% of the two cores), not PostgreSQL.
    const latencyPool = fixedLatencyPool ?? Math.min(100, Math.max(pool, Math.ceil(latencyConcurrency / 8)));
    if (latencyIds.length > 0) {
      say(
        `restarting the worker at concurrency ${latencyConcurrency}, pool ${latencyPool}; sandbox latency ${latencyMs} ms ...`,
      );
      await system.restartRole('worker', workerEnv(latencyConcurrency, latencyPool));
      await setSandboxLatency(system.sandboxUrl, latencyMs);
      if (latencyWarmIds.length > 0) {
        say(`warm-up: ${latencyWarmIds.length} renewals ...`);
        await runPhase('warm-up', latencyWarmIds);
      }
      say(`measuring: ${latencyIds.length} renewals due at once ...`);
      slow = await runPhase(`${latencyMs} ms latency`, latencyIds);
      await setSandboxLatency(system.sandboxUrl, 0);
      say(`restarting the worker at concurrency ${concurrency}, pool ${pool}; sandbox latency 0 ms ...`);
      await system.restartRole('worker', workerEnv(concurrency, pool));
      say(`warm-up: ${againWarmIds.length} renewals ...`);
      await runPhase('warm-up', againWarmIds);
      say(`measuring: ${againIds.length} renewals due at once, zero latency again ...`);
      zeroAgain = await runPhase('zero latency again', againIds);
    }
    const allIds = fixtures.groups.flat();
    const verdict = await verify(poll, system.sandboxUrl, fixtures.merchants, allIds);

    const ratio = floor === null ? null : zero.rate / floor.tps;
    const lines = [
      `renewal benchmark (${startedAt.toISOString()}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${load.map((l) => l.toFixed(2)).join(' ')} before the run)`,
      `  subscriptions     ${subscriptions} due at once over ${merchants} merchants (after ${warmup} warm-up renewals); worker: 1 process, concurrency ${concurrency}, pool ${pool}; scheduler tick ${tickMs} ms`,
      ...phaseLines(zero),
      floor === null
        ? '  pgbench           skipped'
        : `  pgbench           ${floor.tps.toFixed(0)} TPS (${floor.command}, same server, just before)`,
      ratio === null
        ? ''
        : `  ratio             ${ratio.toFixed(3)}x pgbench -N (target ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
      ...(floor === null ? [] : cpuBoundLines(zero, floor)),
      ...(slow === null
        ? []
        : [
            `  with latency      sandbox answers every authorize after ${latencyMs} ms; worker concurrency ${latencyConcurrency}, pool ${latencyPool}`,
            ...phaseLines(slow),
            ...(zeroAgain === null ? [] : phaseLines(zeroAgain)),
            latencyRatioLine(slow, zero, zeroAgain),
          ]),
      `  verified          ${verdict.summary}`,
    ].filter((line) => line !== '');
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!verdict.ok) {
      say('FAILED: not every subscription was charged exactly once');
      return 1;
    }
    return 0;
  } finally {
    await closePoll();
    const exits = await stopSystem();
    say(`stopped: ${JSON.stringify(exits)}; logs in ${system.logDir}`);
    if (args['keep-database']) say(`database kept: ${system.databaseUrl} (drop it when done)`);
  }
}

/**
 * The worker's settings for a phase: one Klarna socket per job (with the default 64 sockets the
 * 300 ms phase stopped at about 190/s) and the phase's pool.
 */
function workerEnv(concurrency: number, pool: number): Record<string, string> {
  return {
    WORKER_CONCURRENCY: String(concurrency),
    KLARNA_CONNECTIONS: String(concurrency),
    DATABASE_POOL_SIZE: String(pool),
  };
}

/** The latency phase against the zero-latency rate: the mean of the phases before and after it. */
function latencyRatioLine(slow: PhaseResult, zero: PhaseResult, zeroAgain: PhaseResult | null): string {
  const reference = zeroAgain === null ? zero.rate : (zero.rate + zeroAgain.rate) / 2;
  const ratio = slow.rate / reference;
  const verdict = `target ${TARGET_LATENCY_RATIO}: ${ratio >= TARGET_LATENCY_RATIO ? 'met' : 'NOT met'}`;
  return zeroAgain === null
    ? `  latency ratio     ${ratio.toFixed(3)} of the zero-latency rate (${verdict})`
    : `  latency ratio     ${ratio.toFixed(3)} of the zero-latency rate before and after it, ${reference.toFixed(0)}/s (${verdict}); ` +
        `${(slow.rate / zero.rate).toFixed(3)} of the first phase alone`;
}

function phaseLines(phase: PhaseResult): string[] {
  return [
    `  ${phase.label.padEnd(17)} ${phase.rate.toFixed(0)} renewals/s (${phase.renewals} in ${phase.wall.toFixed(2)} s from due to the last Charge; first Charge after ${phase.firstChargeMs} ms)`,
    `    CPU per renewal (ms of CPU; share of one core over the ${phase.wall.toFixed(1)} s)`,
    ...phase.cpu.map(([name, cpuMs]) => {
      const width = Math.max(...phase.cpu.map(([n]) => n.length));
      return `      ${name.padEnd(width)}  ${(cpuMs / phase.renewals).toFixed(3)} ms  ${((cpuMs / 1000 / phase.wall) * 100).toFixed(0).padStart(3)}%`;
    }),
    `    database per renewal ${phase.db}`,
  ];
}

/**
 * What the CPU allows: the renewal's PostgreSQL backend CPU set against a pgbench -N transaction's;
 * the rate if every core ran PostgreSQL and no other process used any (the worker, the sandbox,
 * Redis and the scheduler share the same cores in this benchmark); and the CPU per renewal the
 * target rate leaves for all of them together.
 */
function cpuBoundLines(phase: PhaseResult, floor: PgbenchResult): string[] {
  const pgMs = (phase.cpu.find(([name]) => name === POSTGRES_BACKENDS)?.[1] ?? Number.NaN) / phase.renewals;
  if (!Number.isFinite(pgMs) || pgMs <= 0) return [];
  const ceiling = (cpus().length * 1000) / pgMs;
  const perTransaction = floor.backendCpuMsPerTransaction;
  const targetRate = TARGET_RATIO * floor.tps;
  const budgetMs = (cpus().length * 1000) / targetRate;
  // The sandbox, the roles and Redis (the whole server: this benchmark is its only user).
  const othersMs =
    phase.cpu
      .filter(([name]) => name !== POSTGRES_BACKENDS && name !== TOTAL && !name.includes('shared'))
      .reduce((sum, [, cpuMs]) => sum + cpuMs, 0) / phase.renewals;
  return [
    `  PostgreSQL alone  ${pgMs.toFixed(2)} ms of backend CPU per renewal` +
      (Number.isFinite(perTransaction)
        ? ` = ${(pgMs / perTransaction).toFixed(1)} pgbench -N transactions (${perTransaction.toFixed(3)} ms each)`
        : ''),
    `                    all ${cpus().length} cores on PostgreSQL, nothing else running: at most ${ceiling.toFixed(0)} renewals/s = ${(ceiling / floor.tps).toFixed(3)}x pgbench -N`,
    `  CPU budget        ${TARGET_RATIO}x is ${targetRate.toFixed(0)} renewals/s: ${budgetMs.toFixed(2)} ms of CPU per renewal on ${cpus().length} cores for everything; ` +
      `PostgreSQL used ${pgMs.toFixed(2)}, the sandbox, roles and Redis ${othersMs.toFixed(2)}`,
  ];
}

async function setSandboxLatency(sandboxUrl: string, ms: number): Promise<void> {
  const res = await fetch(`${sandboxUrl}/__sim/latency`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latency: { type: 'fixed', ms } }),
  });
  if (!res.ok) throw new Error(`PUT /__sim/latency: ${res.status} ${await res.text()}`);
}

async function scalar(client: pg.Client, sql: string): Promise<number> {
  pollQueries += 1;
  return (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
}

/** Statements the benchmark itself ran on the database (each its own transaction). */
let pollQueries = 0;

interface DatabaseCounters {
  readonly commits: number;
  readonly inserted: number;
  readonly updated: number;
  readonly polls: number;
}

/**
 * pg_stat_database of the database. A backend reports its counters when idle (at most every
 * second or so), so these are approximate while the roles run.
 */
async function databaseCounters(client: pg.Client): Promise<DatabaseCounters> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<Omit<DatabaseCounters, 'polls'>>(
    `SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS inserted, tup_updated::float8 AS updated
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  const row = rows[0];
  if (row === undefined) throw new Error('no pg_stat_database row');
  pollQueries += 2;
  return { ...row, polls: pollQueries };
}

function databaseLine(before: DatabaseCounters, after: DatabaseCounters, n: number): string {
  const per = (value: number) => (value / n).toFixed(1);
  const commits = after.commits - before.commits - (after.polls - before.polls);
  return (
    `${per(commits)} commits, ${per(after.inserted - before.inserted)} rows inserted, ` +
    `${per(after.updated - before.updated)} updated (pg_stat_database, approximate: backends report as they go)`
  );
}

const POSTGRES_BACKENDS = 'postgres (backends of this database)';
const TOTAL = 'total (Rebill, sandbox, its backends)';

function cpuRows(before: CpuSnapshot, after: CpuSnapshot): [string, number][] {
  const rows: [string, number][] = Object.keys(after.processes).map((name) => [
    name,
    (after.processes[name] ?? Number.NaN) - (before.processes[name] ?? Number.NaN),
  ]);
  rows.push([POSTGRES_BACKENDS, cpuBetween(before.postgres.backends, after.postgres.backends)]);
  rows.push([
    'postgres (server processes, shared)',
    cpuBetween(before.postgres.background, after.postgres.background),
  ]);
  const ours = rows.filter(([name]) => !name.includes('shared') && !name.includes('whole server'));
  rows.push([TOTAL, ours.reduce((sum, [, v]) => sum + v, 0)]);
  return rows;
}

/**
 * Every subscription charged exactly once: one attempt, APPROVED, one Charge, one Capture, its
 * invoice PAID, the subscription ACTIVE with period 0 paid and its next RENEWAL ahead; and the
 * sandbox's ledger holds exactly one authorization per subscription.
 */
async function verify(
  client: pg.Client,
  sandboxUrl: string,
  merchants: readonly { accountId: string }[],
  ids: readonly string[],
): Promise<{ ok: boolean; summary: string }> {
  const { rows } = await client.query<Record<string, number>>(
    `WITH subs AS (SELECT unnest($1::uuid[]) AS id)
     SELECT
       (SELECT count(*)::int FROM "ChargeAttempt" a JOIN subs ON subs.id = a."subscriptionId") AS attempts,
       (SELECT count(*)::int FROM "ChargeAttempt" a JOIN subs ON subs.id = a."subscriptionId" WHERE a.status = 'APPROVED') AS approved,
       (SELECT count(DISTINCT c."subscriptionId")::int FROM "Charge" c JOIN subs ON subs.id = c."subscriptionId") AS charged_subscriptions,
       (SELECT count(*)::int FROM "Charge" c JOIN subs ON subs.id = c."subscriptionId") AS charges,
       (SELECT count(*)::int FROM "Capture" k JOIN "Charge" c ON c.id = k."chargeId" JOIN subs ON subs.id = c."subscriptionId") AS captures,
       (SELECT count(*)::int FROM "Invoice" i JOIN subs ON subs.id = i."subscriptionId" WHERE i.status = 'PAID') AS paid_invoices,
       (SELECT count(*)::int FROM "Invoice" i JOIN subs ON subs.id = i."subscriptionId") AS invoices,
       (SELECT count(*)::int FROM "Subscription" s JOIN subs ON subs.id = s.id
         WHERE s.status = 'ACTIVE' AND s."paidThroughPeriodIndex" = 0 AND s."nextActionKind" = 'RENEWAL'
           AND s."nextActionAt" > now()) AS renewed`,
    [ids],
  );
  const db = rows[0] ?? {};
  let ledger = 0;
  const references = new Set<string>();
  for (const merchant of merchants) {
    const res = await fetch(
      `${sandboxUrl}/__sim/ledger?account_id=${encodeURIComponent(merchant.accountId)}`,
    );
    const body = (await res.json()) as { entries: { payment_transaction_reference: string }[] };
    ledger += body.entries.length;
    for (const e of body.entries) references.add(e.payment_transaction_reference);
  }
  const n = ids.length;
  const counts = { subscriptions: n, ...db, sandbox_ledger: ledger, sandbox_references: references.size };
  const ok = Object.values(counts).every((v) => v === n);
  return { ok, summary: `${ok ? 'OK' : 'MISMATCH'} ${JSON.stringify(counts)}` };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
