// What the process running the Prisma 6.19 CLI tells the CLI's config (prisma-migrate.config.mjs)
// through the environment: which schema and migrations folder to use, and how to name shadow databases.
import process from 'node:process';
import { MIGRATIONS_DIR, SCHEMA_PATH } from './paths.mjs';
import { DEFAULT_SHADOW_DATABASE_PREFIX, assertShadowDatabasePrefix } from './shadow-databases.mjs';

const SCHEMA = 'REBILL_MIGRATE_SCHEMA';
const MIGRATIONS = 'REBILL_MIGRATE_MIGRATIONS_DIR';
const SHADOW_PREFIX = 'REBILL_MIGRATE_SHADOW_PREFIX';

/** Environment variables for one CLI run. */
export function cliEnvironment({ schemaPath, migrationsDir, shadowDatabasePrefix }) {
  return {
    [SCHEMA]: schemaPath,
    [MIGRATIONS]: migrationsDir,
    [SHADOW_PREFIX]: assertShadowDatabasePrefix(shadowDatabasePrefix),
  };
}

/** The config's view of them; the repository's own schema and migrations when unset. */
export function readCliEnvironment(env = process.env) {
  return {
    schemaPath: env[SCHEMA] || SCHEMA_PATH,
    migrationsDir: env[MIGRATIONS] || MIGRATIONS_DIR,
    shadowDatabasePrefix: assertShadowDatabasePrefix(env[SHADOW_PREFIX] || DEFAULT_SHADOW_DATABASE_PREFIX),
  };
}
