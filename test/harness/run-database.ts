// One database per test run: `rebill_test_<epoch ms>_<random>`, migrated by the same deploy code as
// `npm run db:migrate:deploy`; beside it a template copy `<run database>_tpl` that test files clone
// into databases of their own (`<run database>_<random>`). All of them are dropped in teardown. The
// timestamp in the names lets a later run recognise databases a crashed run left behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseNameOf, withDatabase } from '../../prisma/tools/database-url.mjs';
import { deployMigrations, dropDatabase, listDatabases } from '../../prisma/tools/migrations.mjs';
import { withMaintenanceClient } from './pg-clients.js';

const RUN_DATABASE = /^rebill_test_(\d{13})_[0-9a-f]+(?:_tpl|_[0-9a-f]{8})?$/;
const TEMPLATE_SUFFIX = '_tpl';
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** `<epoch ms>_<8 hex>`: unique per run, sortable, and dated. */
export function newRunId(now: number): string {
  return `${now}_${randomBytes(4).toString('hex')}`;
}

export function runDatabaseName(runId: string): string {
  return `rebill_test_${runId}`;
}

/** A fresh name for a clone of `template`: the run's name plus 8 random hex digits. */
export function cloneDatabaseName(template: string): string {
  if (!template.endsWith(TEMPLATE_SUFFIX) || !RUN_DATABASE.test(template)) {
    throw new Error(`${template} is not a run's template database`);
  }
  return `${template.slice(0, -TEMPLATE_SUFFIX.length)}_${randomBytes(4).toString('hex')}`;
}

/** True for the names this harness gives databases: run, template and clones. */
export function isRunDatabaseName(name: string): boolean {
  return RUN_DATABASE.test(name);
}

/** True for a run database created more than a day before `now`. */
export function isStaleRunDatabase(name: string, now: number): boolean {
  const createdAt = RUN_DATABASE.exec(name)?.[1];
  return createdAt !== undefined && now - Number(createdAt) > STALE_AFTER_MS;
}

/**
 * Creates and migrates the run's database beside `serverUrl`'s database (same server, same
 * `?schema=`). Returns its URL and how long migrating took.
 */
export async function createRunDatabase(
  serverUrl: string,
  runId: string,
): Promise<{ url: string; seconds: number }> {
  const url = withDatabase(serverUrl, runDatabaseName(runId));
  const started = performance.now();
  try {
    await deployMigrations({ databaseUrl: url });
  } catch (error) {
    await dropDatabase(url).catch(() => undefined);
    throw error;
  }
  return { url, seconds: (performance.now() - started) / 1000 };
}

/**
 * Copies the migrated run database into `<run database>_tpl` and closes it to connections: nothing
 * may be connected to a template while it is copied. Returns the template's URL.
 */
export async function createTemplateDatabase(runUrl: string): Promise<string> {
  const template = `${databaseNameOf(runUrl)}${TEMPLATE_SUFFIX}`;
  await createDatabaseFrom(runUrl, template);
  await withMaintenanceClient(runUrl, (admin) =>
    admin.query(`ALTER DATABASE ${pg.escapeIdentifier(template)} WITH ALLOW_CONNECTIONS false`),
  );
  return withDatabase(runUrl, template);
}

/** `CREATE DATABASE <name> TEMPLATE <source's database>`; returns the new database's URL. */
export async function createDatabaseFrom(sourceUrl: string, name: string): Promise<string> {
  const source = databaseNameOf(sourceUrl);
  await withMaintenanceClient(sourceUrl, (admin) =>
    admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(source)}`),
  );
  return withDatabase(sourceUrl, name);
}

/** Drops one database this harness created; refuses any other name (a typo must not drop `rebill`). */
export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  if (!isRunDatabaseName(name)) throw new Error(`refusing to drop ${name}: not a rebill_test_* database`);
  await dropDatabase(databaseUrl);
}

/** Drops the run's database, its template and every clone of it still there. Returns their names. */
export async function dropRunDatabases(runUrl: string): Promise<string[]> {
  const run = databaseNameOf(runUrl);
  const names = await listDatabases(runUrl, `${escapeLike(run)}%`);
  const ofRun = names.filter((name) => name === run || name.startsWith(`${run}_`));
  for (const name of ofRun) await dropDatabase(runUrl, name);
  return ofRun;
}

/** Drops run databases older than a day (left by crashed runs). Returns their names. */
export async function dropStaleRunDatabases(serverUrl: string, now: number): Promise<string[]> {
  const stale = (await listDatabases(serverUrl, 'rebill\\_test\\_%')).filter((name) =>
    isStaleRunDatabase(name, now),
  );
  for (const name of stale) await dropDatabase(serverUrl, name);
  return stale;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
