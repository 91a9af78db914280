// `npm start -- --short`, the README's first command, run as a child process on a database and
// ports of its own: it must exit 0 with a summary whose every figure matches Rebill's database
// (counted here with SQL of the test's own) and the sandbox's ledger (read back from the ledger
// file the demo's sandbox wrote, by a sandbox of the test's own), and leave no process behind.
// And with PostgreSQL unreachable it says what to start and exits 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import {
  createDatabaseFromTemplate,
  dropDatabase,
  testRedisKeyPrefix,
  testRedisUrl,
} from '../harness/index.js';
import { deleteKeysWithPrefix } from '../harness/redis-keys.js';
import { freePort } from './support/ports.js';
import { REPO_ROOT } from './support/role-process.js';

interface Summary {
  customers: number;
  merchantId: string;
  klarnaAccount: string;
  rebill: {
    subscriptionsByStatus: Record<string, number>;
    charges: number;
    renewals: number;
    declines: number;
    retries: number;
    recovered: number;
    canceled: number;
    refunds: number;
    capturedMinor: number;
    refundedMinor: number;
  };
  ledger: { transactions: number; capturedMinor: number; refundedMinor: number };
}

const tmp = mkdtempSync(join(tmpdir(), 'rebill-demo-test-'));
const prefix = `${testRedisKeyPrefix()}demo`;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
});

afterAll(async () => {
  await dropDatabase(databaseUrl);
  await deleteKeysWithPrefix(testRedisUrl(), `{${prefix}}`);
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm start (the demo)', () => {
  it('runs the short version to a summary that the database and the ledger confirm', async () => {
    const [api, webhooks, sandbox] = [await freePort(), await freePort(), await freePort()];
    const ledgerFile = join(tmp, 'ledger.jsonl');
    const run = await runDemo(['--short', '--seed', '11'], {
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      API_PORT: String(api),
      WEBHOOKS_PORT: String(webhooks),
      SANDBOX_PORT: String(sandbox),
      SANDBOX_LEDGER_FILE: ledgerFile,
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('Summary: seed 11, 40 customers, 3 months');
    expect(run.output).toContain(`http://127.0.0.1:${api}/dashboard`);
    const line = run.output.split('\n').find((l) => l.startsWith('DEMO_SUMMARY '));
    expect(line, run.output).toBeDefined();
    const summary = JSON.parse(line?.slice('DEMO_SUMMARY '.length) ?? '{}') as Summary;

    // Every kind of event happened.
    const r = summary.rebill;
    for (const figure of [r.renewals, r.declines, r.retries, r.recovered, r.canceled, r.refunds]) {
      expect(figure).toBeGreaterThan(0);
    }
    expect(await databaseFigures(summary.merchantId)).toEqual({
      subscriptionsByStatus: r.subscriptionsByStatus,
      subscriptions: summary.customers,
      charges: r.charges,
      renewals: r.renewals,
      declines: r.declines,
      retries: r.retries,
      recovered: r.recovered,
      canceled: r.canceled,
      refunds: r.refunds,
      capturedMinor: r.capturedMinor,
      refundedMinor: r.refundedMinor,
    });
    expect(await ledgerFigures(ledgerFile, summary.klarnaAccount)).toEqual({
      transactions: summary.ledger.transactions,
      capturedMinor: summary.ledger.capturedMinor,
      refundedMinor: summary.ledger.refundedMinor,
    });
    expect(summary.ledger).toEqual({
      transactions: r.charges,
      capturedMinor: r.capturedMinor,
      refundedMinor: r.refundedMinor,
    });
    // Every process stopped: nothing answers on the demo's ports.
    for (const port of [api, webhooks, sandbox]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  }, 240_000);

  it('says what to start when PostgreSQL does not answer, and exits 1', async () => {
    const closed = await freePort();
    const run = await runDemo(['--short'], {
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${closed}/rebill_demo`,
      REDIS_URL: testRedisUrl(),
    });
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      `PostgreSQL does not answer at postgresql://postgres@127.0.0.1:${closed}/rebill_demo`,
    );
    expect(run.output).toContain('pg_ctlcluster');
    expect(run.output).toContain('docker compose up -d postgres redis');
    expect(run.output).not.toMatch(/\n\s+at /);
  }, 60_000);
});

/** The same figures, counted here from the rows (captures and invoices, not the charges' totals). */
async function databaseFigures(merchantId: string): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const one = async (sql: string): Promise<number> =>
      Number((await client.query<{ n: string }>(sql, [merchantId])).rows[0]?.n ?? 0);
    const statuses = await client.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM "Subscription" WHERE "merchantId" = $1 GROUP BY status',
      [merchantId],
    );
    const byStatus = Object.fromEntries(statuses.rows.map((row) => [row.status, row.n]));
    const renewalAttempts = `FROM "ChargeAttempt" WHERE "merchantId" = $1 AND kind = 'CUSTOMER_NOT_PRESENT'`;
    return {
      subscriptionsByStatus: byStatus,
      subscriptions: statuses.rows.reduce((sum, row) => sum + row.n, 0),
      charges: await one('SELECT count(*) AS n FROM "Charge" WHERE "merchantId" = $1'),
      renewals: await one(`SELECT count(*) AS n ${renewalAttempts} AND status = 'APPROVED'`),
      declines: await one(`SELECT count(*) AS n ${renewalAttempts} AND status = 'DECLINED'`),
      retries: await one(`SELECT count(*) AS n ${renewalAttempts} AND "attemptNumber" > 1`),
      recovered: await one(
        `SELECT count(*) AS n ${renewalAttempts} AND status = 'APPROVED' AND "attemptNumber" > 1`,
      ),
      canceled: byStatus.CANCELED ?? 0,
      refunds: await one(
        `SELECT count(*) AS n FROM "Refund" WHERE "merchantId" = $1 AND status = 'SUCCEEDED'`,
      ),
      capturedMinor: await one(
        `SELECT coalesce(sum("amountMinor"), 0) AS n FROM "Capture" WHERE "merchantId" = $1 AND status = 'SUCCEEDED'`,
      ),
      refundedMinor: await one(
        `SELECT coalesce(sum("amountMinor"), 0) AS n FROM "Refund" WHERE "merchantId" = $1 AND status = 'SUCCEEDED'`,
      ),
    };
  } finally {
    await client.end();
  }
}

/** The ledger the demo's sandbox wrote, as a sandbox of the test's own reads it back from the file. */
async function ledgerFigures(ledgerFile: string, accountId: string): Promise<Record<string, number>> {
  const sandbox = await startSandbox({ ledgerFile });
  try {
    const ledger = await sandbox.sim<{ entries: { captured_amount: number; refunded_amount: number }[] }>(
      'GET',
      `/ledger?account_id=${encodeURIComponent(accountId)}`,
    );
    const entries = ledger.body.entries;
    return {
      transactions: entries.length,
      capturedMinor: entries.reduce((sum, e) => sum + e.captured_amount, 0),
      refundedMinor: entries.reduce((sum, e) => sum + e.refunded_amount, 0),
    };
  } finally {
    await sandbox.close();
  }
}

function runDemo(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Its own process group: if the test gives up, the demo and everything it started go with it.
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/demo/src/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 220_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
