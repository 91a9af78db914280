// Fixed locations in the repository, independent of the caller's working directory.
import { URL, fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMA_PATH = fileURLToPath(new URL('../schema.prisma', import.meta.url));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const MIGRATE_CONFIG_PATH = fileURLToPath(new URL('./prisma-migrate.config.mjs', import.meta.url));
export const MIGRATE_CLI_PATH = fileURLToPath(
  new URL('../../node_modules/prisma-migrate/build/index.js', import.meta.url),
);
