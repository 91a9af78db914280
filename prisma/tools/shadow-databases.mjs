// Shadow databases: `migrate diff --from-migrations` (and `migrate dev`) replay the migrations on a
// throwaway database. Each CLI run names its shadow databases with a prefix of its own, so the
// process that started the run can drop whatever a crashed engine left behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withAdminClient } from './postgres-admin.mjs';

export const DEFAULT_SHADOW_DATABASE_PREFIX = 'prisma_shadow_';
const SHADOW_DATABASE_PREFIX = /^prisma_shadow_[a-z0-9_]*$/;
const RUN_PREFIX = /^prisma_shadow_[0-9a-f]{12}_$/;

/** `prisma_shadow_<12 hex>_`: unique per CLI run; with the adapter's 32 hex, 59 of Postgres' 63 bytes. */
export function newShadowDatabasePrefix() {
  return `${DEFAULT_SHADOW_DATABASE_PREFIX}${randomBytes(6).toString('hex')}_`;
}

/** Returns the prefix, or throws unless it is a plain `prisma_shadow_...` identifier prefix. */
export function assertShadowDatabasePrefix(prefix) {
  if (typeof prefix !== 'string' || !SHADOW_DATABASE_PREFIX.test(prefix)) {
    throw new Error(`Shadow database prefix must match ${SHADOW_DATABASE_PREFIX}, got "${prefix}"`);
  }
  return prefix;
}

/**
 * Drops every database on `databaseUrl`'s server whose name starts with `prefix`, ending sessions a
 * killed engine left open. Returns their names.
 */
export async function dropShadowDatabases(databaseUrl, prefix) {
  // Only a run's own prefix: the bare default would match every other run's shadow databases.
  if (!RUN_PREFIX.test(prefix)) throw new Error(`Not a run's shadow database prefix: "${prefix}"`);
  return withAdminClient(databaseUrl, async (admin) => {
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname',
      [prefix],
    );
    const names = rows.map((row) => row.datname);
    for (const name of names) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    }
    return names;
  });
}
