// The offline migration tool on a fixture project whose migration carries hand-written SQL that
// Prisma cannot express (table CHECK constraints, a partial index, an append-only trigger): it
// deploys, `check` exits 0 in sync and 2 on drift, and no run, not even a failed or killed one,
// leaves a prisma_shadow_* database behind.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgConfigOf, withDatabase } from '../../prisma/tools/database-url.mjs';
import {
  MigrationCommandError,
  createMigration,
  deployMigrations,
  diffMigrationsToSchema,
  dropDatabase,
  listDatabases,
} from '../../prisma/tools/migrations.mjs';
import { testDatabaseUrl } from '../harness/index.js';
import { newRunId, runDatabaseName } from '../harness/run-database.js';
import { runDbTool } from './db-tool.js';
import { addMigration, appendHandWrittenSql, type FixturePaths, writeFixtureSchemas } from './fixture.js';

const CHECK_VIOLATION = '23514';
const RAISE_EXCEPTION = 'P0001';

/** `prisma_shadow_*` on the server; `_` is a LIKE wildcard, hence the escapes. */
function shadowDatabases(serverUrl: string): Promise<string[]> {
  return listDatabases(serverUrl, 'prisma\\_shadow\\_%');
}

describe('offline migration check with hand-written SQL', () => {
  let dir: string;
  let fixture: FixturePaths;
  // Named like a run database, so the harness sweeps it up should this file crash.
  let databaseUrl: string;
  let shadowsBefore: Set<string>;

  beforeAll(async () => {
    shadowsBefore = new Set(await shadowDatabases(testDatabaseUrl()));
    databaseUrl = withDatabase(testDatabaseUrl(), runDatabaseName(newRunId(Date.now())));
    dir = mkdtempSync(join(tmpdir(), 'rebill-migration-fixture-'));
    fixture = writeFixtureSchemas(dir);
    const migrationFile = await createMigration('init', { databaseUrl, ...sources() });
    if (migrationFile === undefined) throw new Error('Prisma found nothing to migrate in the fixture schema');
    appendHandWrittenSql(migrationFile);
  });

  afterAll(async () => {
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  function sources(): { schemaPath: string; migrationsDir: string } {
    return { schemaPath: fixture.schemaPath, migrationsDir: fixture.migrationsDir };
  }

  /** A copy of the fixture's migrations with one more migration at the end. */
  function migrationsWith(name: string, sql: string): string {
    const copy = join(dir, `migrations-${name}`);
    cpSync(fixture.migrationsDir, copy, { recursive: true });
    addMigration(copy, `29991231000000_${name}`, sql);
    return copy;
  }

  it('deploys the migration, and the hand-written rules hold in the database', async () => {
    await deployMigrations({ databaseUrl, ...sources() });

    const client = new pg.Client(pgConfigOf(databaseUrl));
    await client.connect();
    try {
      const insertPlan = (currency: string, amountMinor: number, intervalCount: number) =>
        client.query('INSERT INTO "Plan" VALUES (gen_random_uuid()::text, $1, $2, $3)', [
          currency,
          amountMinor,
          intervalCount,
        ]);
      await expect(insertPlan('EUR', 0, 1)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'Plan_amountMinor_positive',
      });
      await expect(insertPlan('eur', 100, 1)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'Plan_currency_iso4217',
      });
      // NOT VALID skips existing rows only; new rows are still checked.
      await expect(insertPlan('EUR', 100, 0)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'Plan_intervalCount_min',
      });
      await client.query(`INSERT INTO "Plan" VALUES ('plan-1', 'EUR', 100, 1)`);
      await client.query(`INSERT INTO "LedgerEntry" VALUES ('entry-1', 'plan-1', 100, 'first')`);
      await expect(client.query(`UPDATE "LedgerEntry" SET "amountMinor" = 1`)).rejects.toMatchObject({
        code: RAISE_EXCEPTION,
        message: 'LedgerEntry is append-only (UPDATE rejected)',
      });
      const { rows: partialIndexes } = await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'LedgerEntry' AND indexdef LIKE '% WHERE %'`,
      );
      expect(partialIndexes.map((row) => row.indexname)).toEqual(['LedgerEntry_noted_idx']);
    } finally {
      await client.end();
    }
  });

  it('check: in sync, exit 0', async () => {
    const run = await runDbTool(
      ['check', '--schema', fixture.schemaPath, '--migrations', fixture.migrationsDir],
      databaseUrl,
    );

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('In sync');
  });

  it('check: drift, exit 2 with the missing SQL', async () => {
    const run = await runDbTool(
      ['check', '--schema', fixture.driftedSchemaPath, '--migrations', fixture.migrationsDir],
      databaseUrl,
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Drift');
    expect(run.stderr).toMatch(/ALTER TABLE "Plan" ADD COLUMN\s+"archivedAt" TIMESTAMP\(3\)/);
  });

  it('a check whose migrations fail to replay reports the failure', async () => {
    const migrationsDir = migrationsWith('broken', 'SELECT * FROM "NoSuchTable";\n');

    const check = diffMigrationsToSchema({ databaseUrl, schemaPath: fixture.schemaPath, migrationsDir });

    await expect(check).rejects.toThrow(MigrationCommandError);
    await expect(check).rejects.toThrow(/P3006/);
  });

  it('a check killed while it replays the migrations drops its shadow database', async () => {
    const marker = `rebill-abort-${newRunId(Date.now())}`;
    const migrationsDir = migrationsWith('sleepy', `-- ${marker}\nSELECT pg_sleep(120);\n`);
    const controller = new AbortController();
    const aborted = new Error('the test gave up on the check');

    const check = diffMigrationsToSchema({
      databaseUrl,
      schemaPath: fixture.schemaPath,
      migrationsDir,
      signal: controller.signal,
    });
    const outcome = check.then(
      () => undefined,
      (error: unknown) => error,
    );
    const shadow = await sleepingShadowDatabase(databaseUrl, marker);
    controller.abort(aborted);

    expect(await outcome).toBe(aborted);
    expect(await shadowDatabases(databaseUrl)).not.toContain(shadow);
  });

  it('leaves no prisma_shadow_* database behind', async () => {
    // Other processes' checks may be running on the same server: theirs come and go within seconds.
    await expect
      .poll(async () => (await shadowDatabases(databaseUrl)).filter((name) => !shadowsBefore.has(name)), {
        timeout: 15_000,
        interval: 500,
      })
      .toEqual([]);
  });
});

/** Waits until a shadow database's session runs the migration containing `marker`; returns its name. */
async function sleepingShadowDatabase(serverUrl: string, marker: string): Promise<string> {
  const admin = new pg.Client(pgConfigOf(serverUrl, { database: 'postgres', searchPath: false }));
  await admin.connect();
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_stat_activity
         WHERE datname LIKE 'prisma\\_shadow\\_%' AND position($1 IN query) > 0`,
        [marker],
      );
      const name = rows[0]?.datname;
      if (name !== undefined) return name;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`No shadow database started the migration marked ${marker} within 30 s`);
  } finally {
    await admin.end();
  }
}
