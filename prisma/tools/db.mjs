#!/usr/bin/env node
// `npm run db:migrate:<command>`: create | deploy | reset | check. See prisma/tools/README.md.
import console from 'node:console';
import { relative } from 'node:path';
import process from 'node:process';
import { databaseUrlFromEnv, redactUrl } from './database-url.mjs';
import { createMigration, deployMigrations, diffMigrationsToSchema, resetDatabase } from './migrations.mjs';
import { REPO_ROOT } from './paths.mjs';

const USAGE = `Usage: node prisma/tools/db.mjs <command>
  create <name>  write prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma
  deploy         apply pending migrations to DATABASE_URL (creates the database if missing)
  reset          drop everything in DATABASE_URL's schema and re-apply all migrations
  check          exit 2 when schema.prisma and prisma/migrations have drifted apart (1 on errors)
DATABASE_URL defaults to postgresql://postgres@127.0.0.1:5432/rebill.`;

/** Same as `prisma migrate diff --exit-code`, so CI can tell drift from a failure. */
const DRIFT_EXIT_CODE = 2;

const commands = {
  async create([name]) {
    const file = await createMigration(name);
    console.log(
      file
        ? `Created ${relative(REPO_ROOT, file)}`
        : 'No changes: prisma/migrations already matches schema.prisma.',
    );
    return 0;
  },
  async deploy() {
    console.log((await deployMigrations()).output);
    return 0;
  },
  async reset() {
    console.log((await resetDatabase()).output);
    return 0;
  },
  async check() {
    const sql = await diffMigrationsToSchema();
    if (sql === '') {
      console.log('In sync: prisma/migrations matches schema.prisma.');
      return 0;
    }
    console.error(
      `Drift: schema.prisma differs from what prisma/migrations builds. Create a migration with\n` +
        `  npm run db:migrate:create -- <name>\nSQL still missing from prisma/migrations:\n\n${sql}`,
    );
    return DRIFT_EXIT_CODE;
  },
};

const [commandName, ...args] = process.argv.slice(2);
const command = commandName ? commands[commandName] : undefined;
if (!command) {
  console.error(USAGE);
  process.exit(64);
}
try {
  process.exitCode = await command(args);
} catch (error) {
  console.error(
    `db ${commandName} (${redactUrl(databaseUrlFromEnv())}): ${error instanceof Error ? error.message : error}`,
  );
  process.exitCode = 1;
}
