// Scheduler sweep + enqueue rate: N due subscriptions across a few hundred merchants in a fresh
// database, swept by the scheduler's own tick (fair per-merchant quotas, leases, addBulk) in a
// process of its own, back to back until every row is enqueued; then, in the same run, a plain
// BullMQ `addBulk` loop of the same N jobs in batches of the same size (the floor). Prints both
// rates, their ratio (target >= 0.6) and each process's peak RSS (target <= 300 MB).
//
//   npm run bench:scheduler -w @rebill/billing                 # 1,000,000 subscriptions, 300 merchants
//   BENCH_SUBSCRIPTIONS=100000 npm run bench:scheduler -w @rebill/billing
//   npm run bench:scheduler -w @rebill/billing -- --subscriptions 200000 --merchants 50 --keep-database
//   npm run bench:scheduler -w @rebill/billing -- --subscriptions 100000 --cpu-prof /tmp/prof
//
// Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the local defaults). Its database and
// Redis keys are its own and removed at the end.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { databaseUrlFromEnv, withDatabase } from '../../../prisma/tools/database-url.mjs';
import { deployMigrations, dropDatabase } from '../../../prisma/tools/migrations.mjs';
import { bullPrefix } from '../src/queue/catalog.js';
import { spawnNode } from './support/child-process.js';
import { integerFlag, say } from './support/cli.js';

const TARGET_RATIO = 0.6;
const TARGET_RSS_MB = 300;
const LEASE_MS = 86_400_000;

const { values: args } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: process.env.BENCH_SUBSCRIPTIONS ?? '1000000' },
    merchants: { type: 'string', default: '300' },
    batch: { type: 'string', default: '500' },
    'merchant-cap': { type: 'string', default: '500' },
    'tick-max': { type: 'string', default: '5000' },
    'keep-database': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'sweep-heap-mb': { type: 'string', default: '128' },
  },
});

const count = (name: string, min: number): number => integerFlag(args, name, min);
const n = count('subscriptions', 1);
const merchants = count('merchants', 1);
const batch = count('batch', 1);
const merchantCap = count('merchant-cap', 1);
const tickMax = count('tick-max', 1);
const sweepHeapMb = count('sweep-heap-mb', 0);

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface PhaseResult {
  readonly mode: 'sweep' | 'floor';
  readonly rows: number;
  readonly ms: number;
  readonly ticks: number;
  readonly peakRssMb: number;
  /** CPU ms in the timed part: the child, its database's backends, Redis (the shared server). */
  readonly cpuMs: { readonly self: number; readonly postgres: number; readonly redis: number };
}

/** CPU microseconds per row, by process, and their sum. */
function cpuPerRow(result: PhaseResult): string {
  const us = (ms: number): string => fmt((ms * 1000) / result.rows);
  const { self, postgres, redis } = result.cpuMs;
  return `CPU us/row: node ${us(self)}, PostgreSQL ${us(postgres)}, Redis ${us(redis)}, total ${us(self + postgres + redis)}`;
}

async function main(): Promise<number> {
  const serverUrl = databaseUrlFromEnv();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const id = randomBytes(4).toString('hex');
  const databaseUrl = withDatabase(serverUrl, `rebill_bench_sched_${id}`);
  const logDir = mkdtempSync(join(tmpdir(), `rebill-bench-scheduler-${id}-`));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefixes: string[] = [];
  say(
    `scheduler benchmark: ${fmt(n)} due subscriptions, ${merchants} merchants, batch ${batch}, cap ${merchantCap}/merchant, ${tickMax}/tick, sweep heap cap ${sweepHeapMb > 0 ? `${sweepHeapMb} MB` : 'none'}`,
  );
  say(
    `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    await deployMigrations({ databaseUrl });
    const seedStarted = performance.now();
    await seed(databaseUrl);
    say(`seeded and vacuumed in ${fmt((performance.now() - seedStarted) / 1000, 1)} s`);

    const run = async (mode: 'sweep' | 'floor'): Promise<PhaseResult> => {
      const prefix = `rebill-bench-sched-${id}-${mode}`;
      prefixes.push(prefix);
      const child = spawnNode(`scheduler-${mode}`, {
        entry: 'apps/billing/bench/support/scheduler-child.ts',
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          // The sweep runs with the scheduler role's heap cap (docker-compose.yml); the floor with V8's defaults.
          ...(mode === 'sweep' && sweepHeapMb > 0
            ? { NODE_OPTIONS: `--max-old-space-size=${sweepHeapMb}` }
            : {}),
          BENCH_MODE: mode,
          BENCH_N: String(n),
          DATABASE_URL: databaseUrl,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          SCHEDULER_BATCH_SIZE: String(batch),
          SCHEDULER_MERCHANT_CAP: String(merchantCap),
          SCHEDULER_TICK_MAX: String(tickMax),
          // No worker drains the queue here: the backlog check runs every tick but never stops it.
          SCHEDULER_QUEUE_BACKLOG: String(n + 1),
          // Nothing drains the queue either, so the jobs wait there for the whole run: leases must
          // outlast it, or rows leased early become due again and are enqueued twice (caught below).
          SCHEDULER_LEASE_MS: String(LEASE_MS),
        },
        logFile: join(logDir, `${mode}.log`),
        ...(args['cpu-prof'] === undefined
          ? {}
          : {
              nodeFlags: [
                '--cpu-prof',
                `--cpu-prof-dir=${args['cpu-prof']}`,
                `--cpu-prof-name=scheduler-${mode}.cpuprofile`,
              ],
            }),
      });
      const how = await child.exited;
      const line = child.output().trim().split('\n').at(-1) ?? '';
      if (how !== 0) throw new Error(`${mode} exited with ${String(how)}:\n${child.output()}`);
      const result = JSON.parse(line) as PhaseResult;
      const waiting = await redis.llen(`${bullPrefix(prefix)}:subscriptions:wait`);
      if (result.rows !== n || waiting !== n)
        throw new Error(`${mode}: ${result.rows} rows reported, ${waiting} jobs waiting, ${n} expected`);
      await deleteKeys(redis, bullPrefix(prefix));
      return result;
    };

    const sweep = await run('sweep');
    const leased = await scalar(
      databaseUrl,
      `SELECT count(*)::int AS n FROM "SubscriptionNextAction" WHERE "leaseUntil" IS NOT NULL`,
    );
    if (leased !== n) throw new Error(`${leased} rows leased, ${n} expected`);
    const floor = await run('floor');

    const sweepRate = (sweep.rows / sweep.ms) * 1000;
    const floorRate = (floor.rows / floor.ms) * 1000;
    const ratio = sweepRate / floorRate;
    say('');
    say(
      `sweep + enqueue : ${fmt(sweepRate)} rows/s (${fmt(sweep.ms / 1000, 1)} s, ${sweep.ticks} ticks), peak RSS ${fmt(sweep.peakRssMb)} MB`,
    );
    say(
      `addBulk floor   : ${fmt(floorRate)} jobs/s (${fmt(floor.ms / 1000, 1)} s, ${floor.ticks} batches), peak RSS ${fmt(floor.peakRssMb)} MB`,
    );
    say(`sweep ${cpuPerRow(sweep)}`);
    say(`floor ${cpuPerRow(floor)}`);
    say(
      `ratio           : ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); RSS target <= ${TARGET_RSS_MB} MB: ${sweep.peakRssMb <= TARGET_RSS_MB ? 'met' : 'NOT met'}`,
    );
    say(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    return 0;
  } finally {
    for (const prefix of prefixes) await deleteKeys(redis, bullPrefix(prefix)).catch(() => undefined);
    redis.disconnect();
    if (args['keep-database']) say(`database kept: ${databaseUrl}`);
    else await dropDatabase(databaseUrl).catch((error: unknown) => say(`could not drop: ${String(error)}`));
  }
}

/** Merchants, one customer each, and N due subscriptions, skewed (merchant k gets ~ (2k+1)/M² of them). */
async function seed(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "Merchant" (id, name, "timeZone", "klarnaPartnerAccountId", "invoicePrefix", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), 'Bench ' || k, 'Europe/Stockholm', 'krn:partner:global:account:bench:' || k, 'B' || k, now(), now()
       FROM generate_series(0, $1::int - 1) k`,
      [merchants],
    );
    await client.query(
      `INSERT INTO "Customer" (id, "merchantId", "externalRef", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), id, 'bench', now(), now() FROM "Merchant"`,
    );
    await client.query(
      `CREATE TEMP TABLE bench_m AS
       SELECT (row_number() OVER (ORDER BY m.id) - 1)::int AS k, m.id AS merchant, c.id AS customer
       FROM "Merchant" m JOIN "Customer" c ON c."merchantId" = m.id`,
    );
    const chunk = 100_000;
    for (let done = 0; done < n; done += chunk) {
      await client.query(
        `INSERT INTO "Subscription" (id, "merchantId", "customerId", status, "timeZone", currency, "returnUrl",
           "nextActionAt", "nextActionKind", "createdAt", "updatedAt")
         SELECT gen_random_uuid(), m.merchant, m.customer, 'ACTIVE', 'Europe/Stockholm', 'SEK', 'https://merchant.example/return',
           r.due, 'RENEWAL', now(), now()
         FROM (SELECT floor(power(random(), 2) * $2::int)::int AS k, now() - random() * interval '1 hour' AS due
               FROM generate_series(1, $1::int)) r
         JOIN bench_m m USING (k)`,
        [Math.min(chunk, n - done), merchants],
      );
      say(`  ${fmt(Math.min(done + chunk, n))} subscriptions`);
    }
    await client.query('VACUUM ANALYZE "Subscription"');
    await client.query('ANALYZE "Merchant"');
  } finally {
    await client.end();
  }
}

async function scalar(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>(sql);
    return result.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
