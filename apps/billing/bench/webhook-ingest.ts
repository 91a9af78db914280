// Webhook ingest end to end: signed Klarna events (a third each `submitted`, `in-progress` and
// `completed`, each about another signup's payment request) posted to the webhooks role at a
// fixed concurrency, until every event is applied and every completed signup is finalized (its
// Charge recorded, the subscription ACTIVE). Printed next to `pgbench -N` TPS measured in the
// same run, with the CPU each process (and PostgreSQL) spent per event.
//
//   npm run bench:webhooks -w @rebill/billing [-- --events 6000 --concurrency 32 --seconds 15]
//   ... -- --skip-pgbench            (no floor: faster, for profiling)
//   ... -- --cpu-prof /tmp/prof      (V8 CPU profiles of the webhooks and worker roles)
//   ... -- --keep-database           (leave its database for a look at plans and statistics)
//
// Everything runs as real processes: the Klarna sandbox, and the webhooks, worker and scheduler
// roles through `rebill <role>`, on a database and Redis prefix of their own (removed at the end).
// Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the local defaults) and pgbench.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrlFromEnv } from '../../../prisma/tools/database-url.mjs';
import { KLARNA_WEBHOOK_PATH } from '../src/webhooks/app.js';
import { openConnections, percentile, runClosedLoop, type LoadRequest } from './support/closed-loop.js';
import type { KeepAliveConnection } from './support/keep-alive-client.js';
import { runPgbench, type PgbenchResult } from './support/pgbench.js';
import {
  cpuBetween,
  findPid,
  postgresSnapshot,
  processCpuMs,
  type PostgresSnapshot,
} from './support/proc-cpu.js';
import { prepareFixtures, type SignedEvent } from './support/signup-fixtures.js';
import { SystemUnderTest, type BenchRole } from './support/system-under-test.js';
import { integerFlag, say } from './support/cli.js';

const TARGET_RATIO = 0.5;
const ROLES: readonly BenchRole[] = ['webhooks', 'worker', 'scheduler'];

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '6000' },
    concurrency: { type: 'string', default: '32' },
    /** pgbench's duration. */
    seconds: { type: 'string', default: '15' },
    'skip-pgbench': { type: 'boolean', default: false },
    /** Events sent (and applied) before the measurement, so JIT and pools are warm. */
    warmup: { type: 'string', default: '300' },
    'setup-concurrency': { type: 'string', default: '16' },
    /** Longest wait, after the last answer, for every event to be applied and finalized. */
    'settle-timeout': { type: 'string', default: '180' },
    'cpu-prof': { type: 'string' },
    /** Keep the database afterwards (its URL is printed), to look at plans and table statistics. */
    'keep-database': { type: 'boolean', default: false },
  },
});

const count = (name: string, min: number): number => integerFlag(args, name, min);
const events = count('events', 3);
const concurrency = count('concurrency', 1);
const pgbenchSeconds = count('seconds', 1);
const warmup = count('warmup', 0);
const setupConcurrency = count('setup-concurrency', 1);
const settleTimeoutMs = count('settle-timeout', 1) * 1000;

interface CpuSnapshot {
  readonly processes: Record<string, number>;
  readonly postgres: PostgresSnapshot;
  readonly bench: NodeJS.CpuUsage;
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
  });
  let stopping: Promise<unknown> | undefined;
  const stopSystem = () => (stopping ??= system.stop({ keepDatabase: args['keep-database'] }));
  process.once('SIGINT', () => {
    say('interrupted: cleaning up ...');
    void stopSystem().finally(() => process.exit(130));
  });
  let connections: KeepAliveConnection[] = [];
  const poll = new pg.Client({ connectionString: system.databaseUrl });
  let pollClosed: Promise<void> | undefined;
  const closePoll = () => (pollClosed ??= poll.end().catch(() => undefined));
  try {
    await system.startProcesses();
    say(`setting up ${warmup + events} signups (${warmup} for the warm-up) ...`);
    const setupStarted = performance.now();
    const fixtures = await prepareFixtures(system, {
      events: warmup + events,
      concurrency: setupConcurrency,
      progress: say,
    });
    say(`  done in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    // A database that grew from empty within a minute has no statistics yet (autovacuum has not
    // come round): without them the planner scans small tables whole. Production tables have them.
    await poll.connect();
    await poll.query('ANALYZE');
    const requests = fixtures.events.map((event) => toRequest(system, fixtures.signingKeyId, event));
    const completedTotal = fixtures.events.filter((e) => e.state === 'COMPLETED').length;

    const pollPid = (await poll.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1;
    connections = await openConnections(system.webhooksUrl, concurrency);
    const classify = (status: number, body: string): string =>
      status === 200 ? (body.includes('"duplicate":false') ? 'stored' : 'duplicate') : `HTTP ${status}`;

    if (warmup > 0) {
      say(`warm-up: ${warmup} events ...`);
      const warm = await runClosedLoop(connections, requests.slice(0, warmup), classify);
      const warmCompleted = fixtures.events.slice(0, warmup).filter((e) => e.state === 'COMPLETED').length;
      const settled = await waitUntilSettled(poll, warmup, warmCompleted, settleTimeoutMs);
      if (!isAllStored(warm.statuses, warmup) || !settled.ok) {
        say(`warm-up failed: ${describe(warm.statuses)}; ${JSON.stringify(settled.counts)}`);
        return 1;
      }
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

    say(`measuring: ${events} events at concurrency ${concurrency} ...`);
    const redisPid = findPid('redis-server');
    const pids: Record<string, number> = { 'klarna-sandbox': system.sandbox?.pid ?? -1 };
    for (const [role, child] of system.roles) pids[role] = child.pid;
    if (redisPid !== null) pids['redis-server (whole server)'] = redisPid;
    const snapshot = (): CpuSnapshot => ({
      processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)])),
      postgres: postgresSnapshot(system.databaseName, new Set([pollPid])),
      bench: process.cpuUsage(),
    });
    const dbBefore = await databaseCounters(system.databaseUrl, system.databaseName);
    pollQueries = 0;
    const before = snapshot();
    const result = await runClosedLoop(connections, requests.slice(warmup), classify);
    const settled = await waitUntilSettled(poll, warmup + events, completedTotal, settleTimeoutMs);
    const settledAt = performance.now();
    const after = snapshot();
    // Backends report their counters when they end: stop the roles (and the polls) before reading them.
    const exits = await system.stopProcesses();
    await closePoll();
    const dbAfter = await databaseCounters(system.databaseUrl, system.databaseName);

    const wall = (settledAt - result.startedAt) / 1000;
    const ingestWall = (result.finishedAt - result.startedAt) / 1000;
    const perSecond = events / wall;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const lines = [
      `webhook ingest benchmark (${startedAt.toISOString()}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${load.map((l) => l.toFixed(2)).join(' ')} before the run)`,
      `  events            ${events} (${mix(fixtures.events.slice(warmup))}), concurrency ${concurrency}, after ${warmup} warm-up events`,
      `  end to end        ${perSecond.toFixed(0)} events/s (${wall.toFixed(2)} s until every event was applied and every completed signup finalized)`,
      `  ingest only       ${(events / ingestWall).toFixed(0)} events/s (${ingestWall.toFixed(2)} s until the last 200)`,
      `  ingest latency    p50 ${ms(percentile(result.latencies, 50))}, p99 ${ms(percentile(result.latencies, 99))}, max ${ms(result.latencies.at(-1) ?? Number.NaN)}`,
      floor === null
        ? '  pgbench           skipped'
        : `  pgbench           ${floor.tps.toFixed(0)} TPS (${floor.command}, same server, just before)`,
      floor === null
        ? ''
        : `  ratio             ${(perSecond / floor.tps).toFixed(3)}x pgbench -N (target ${TARGET_RATIO}x: ${perSecond / floor.tps >= TARGET_RATIO ? 'met' : 'NOT met'})`,
      `  answers           ${describe(result.statuses)}`,
      `  final state       ${JSON.stringify(settled.counts)}`,
      `  CPU per event     (ms of CPU per event; share of one core over the ${wall.toFixed(1)} s)`,
      ...cpuLines(before, after, events, wall),
      `  database per event ${databaseLine(dbBefore, dbAfter, events)} (pg_stat_database of its own database, the benchmark's polls left out)`,
      `  processes ended   ${JSON.stringify(exits)}`,
    ].filter((line) => line !== '');
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!isAllStored(result.statuses, events) || !settled.ok) {
      say('FAILED: an answer was not 200, or an event was not applied and finalized');
      return 1;
    }
    return 0;
  } finally {
    for (const c of connections) c.close();
    await closePoll();
    const exits = await stopSystem();
    say(`stopped: ${JSON.stringify(exits)}; logs in ${system.logDir}`);
    if (args['keep-database']) say(`database kept: ${system.databaseUrl} (drop it when done)`);
  }
}

function toRequest(system: SystemUnderTest, signingKeyId: string, event: SignedEvent): LoadRequest {
  const { host } = new URL(system.webhooksUrl);
  return {
    head:
      `POST ${KLARNA_WEBHOOK_PATH} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Klarna-Signing-Key-Id: ${signingKeyId}\r\nKlarna-Signature: ${event.signature}`,
    body: event.body,
  };
}

interface Settled {
  readonly ok: boolean;
  readonly counts: Record<string, number>;
}

/**
 * Polls until `events` events are applied (PROCESSED) and `completed` signups finalized (a Charge
 * and an ACTIVE subscription each). The unapplied count reads the partial index the sweep uses.
 */
async function waitUntilSettled(
  client: pg.Client,
  events: number,
  completed: number,
  timeoutMs: number,
): Promise<Settled> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const unapplied = await scalar(
      client,
      `SELECT count(*)::int AS n FROM "WebhookEvent" WHERE status IN ('RECEIVED', 'FAILED')`,
    );
    if (unapplied === 0) {
      const charges = await scalar(client, 'SELECT count(*)::int AS n FROM "Charge"');
      const active = await scalar(
        client,
        `SELECT count(*)::int AS n FROM "Subscription" WHERE status = 'ACTIVE'`,
      );
      if (charges >= completed && active >= completed) break;
    }
    if (performance.now() > deadline) break;
    await sleep(50);
  }
  const counts: Record<string, number> = {};
  pollQueries += 1;
  const rows = await client.query<{ status: string; n: number }>(
    `SELECT 'event ' || status AS status, count(*)::int AS n FROM "WebhookEvent" GROUP BY status
     UNION ALL SELECT 'subscription ' || status, count(*)::int FROM "Subscription" GROUP BY status
     UNION ALL SELECT 'charge ' || state, count(*)::int FROM "Charge" GROUP BY state
     UNION ALL SELECT 'event applied more than once', count(*)::int FROM "WebhookEvent" WHERE "applyCount" > 1`,
  );
  for (const row of rows.rows) counts[row.status] = row.n;
  const ok =
    counts['event PROCESSED'] === events &&
    (counts['subscription ACTIVE'] ?? 0) === completed &&
    Object.entries(counts)
      .filter(([k]) => k.startsWith('charge '))
      .reduce((sum, [, n]) => sum + n, 0) === completed;
  return { ok, counts };
}

/** Statements the benchmark itself ran on the database (each its own transaction). */
let pollQueries = 0;

async function scalar(client: pg.Client, sql: string): Promise<number> {
  pollQueries += 1;
  return (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
}

interface DatabaseCounters {
  readonly commits: number;
  readonly inserted: number;
  readonly updated: number;
  readonly polls: number;
}

/** The database's counters, read over a connection of its own (whose own commit counts after it closes). */
async function databaseCounters(url: string, database: string): Promise<DatabaseCounters> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Omit<DatabaseCounters, 'polls'>>(
      `SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS inserted, tup_updated::float8 AS updated
       FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`no pg_stat_database row for ${database}`);
    return { ...row, polls: pollQueries };
  } finally {
    await client.end();
  }
}

function databaseLine(before: DatabaseCounters, after: DatabaseCounters, events: number): string {
  const per = (value: number) => (value / events).toFixed(1);
  // Each poll is a transaction of its own, and so is the reading of the counters before.
  const commits = after.commits - before.commits - after.polls - 1;
  return (
    `${per(commits)} commits, ${per(after.inserted - before.inserted)} rows inserted, ` +
    `${per(after.updated - before.updated)} updated`
  );
}

function isAllStored(statuses: ReadonlyMap<string, number>, expected: number): boolean {
  return statuses.get('stored') === expected && statuses.size === 1;
}

function describe(statuses: ReadonlyMap<string, number>): string {
  return [...statuses].map(([k, v]) => `${k} ${v}`).join(', ');
}

function mix(list: readonly SignedEvent[]): string {
  const by = new Map<string, number>();
  for (const e of list) by.set(e.state, (by.get(e.state) ?? 0) + 1);
  return [...by].map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', ');
}

function cpuLines(before: CpuSnapshot, after: CpuSnapshot, events: number, wall: number): string[] {
  const rows: [string, number][] = Object.keys(after.processes).map((name) => [
    name,
    (after.processes[name] ?? Number.NaN) - (before.processes[name] ?? Number.NaN),
  ]);
  rows.push([
    'postgres (backends of this database)',
    cpuBetween(before.postgres.backends, after.postgres.backends),
  ]);
  rows.push([
    'postgres (server processes, shared)',
    cpuBetween(before.postgres.background, after.postgres.background),
  ]);
  const bench = process.cpuUsage(before.bench);
  rows.push(['bench client', (bench.user + bench.system) / 1000]);
  const ours = rows.filter(
    ([name]) => !name.includes('shared') && !name.includes('whole server') && name !== 'bench client',
  );
  rows.push(['total (Rebill, sandbox, its backends)', ours.reduce((sum, [, v]) => sum + v, 0)]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(
    ([name, cpuMs]) =>
      `    ${name.padEnd(width)}  ${(cpuMs / events).toFixed(3)} ms  ${((cpuMs / 1000 / wall) * 100).toFixed(0).padStart(3)}%`,
  );
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
