#!/usr/bin/env node
// `npm run db:migrate:<command>`: create | deploy | reset | check. See prisma/tools/README.md.
import console from 'node:console';
import { isAbsolute, relative, resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { databaseUrlFromEnv, redactUrl } from './database-url.mjs';
import { createMigration, deployMigrations, diffMigrationsToSchema, resetDatabase } from './migrations.mjs';
import { MIGRATIONS_DIR, REPO_ROOT, SCHEMA_PATH } from './paths.mjs';

const USAGE = `Usage: node prisma/tools/db.mjs <command> [--schema <file>] [--migrations <dir>]
  create <name>  write <migrations>/<timestamp>_<name>/migration.sql from the schema
  deploy         apply pending migrations to DATABASE_URL (creates the database if missing)
  reset          drop everything in DATABASE_URL's schema and re-apply all migrations
  check          exit 2 when the schema and the migrations have drifted apart (1 on errors)
--schema and --migrations default to prisma/schema.prisma and prisma/migrations.
DATABASE_URL defaults to postgresql://postgres@127.0.0.1:5432/rebill.`;

/** Same as `prisma migrate diff --exit-code`, so CI can tell drift from a failure. */
const DRIFT_EXIT_CODE = 2;
const USAGE_EXIT_CODE = 64;

const commands = {
  async create([name], sources) {
    const file = await createMigration(name, sources);
    console.log(
      file ? `Created ${displayPath(file)}` : 'No changes: the migrations already match the schema.',
    );
    return 0;
  },
  async deploy(_args, sources) {
    console.log((await deployMigrations(sources)).output);
    return 0;
  },
  async reset(_args, sources) {
    console.log((await resetDatabase(sources)).output);
    return 0;
  },
  async check(_args, sources) {
    const sql = await diffMigrationsToSchema(sources);
    const names = `${displayPath(sources.migrationsDir)} and ${displayPath(sources.schemaPath)}`;
    if (sql === '') {
      console.log(`In sync: ${names} agree.`);
      return 0;
    }
    console.error(
      `Drift: ${names} differ. Create a migration with\n` +
        `  npm run db:migrate:create -- <name>\nSQL still missing from the migrations:\n\n${sql}`,
    );
    return DRIFT_EXIT_CODE;
  },
};

/** Repository paths relative to its root, others as given. */
function displayPath(path) {
  const inRepository = relative(REPO_ROOT, path);
  return inRepository.startsWith('..') || isAbsolute(inRepository) ? path : inRepository;
}

function parseCommandLine(argv) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { schema: { type: 'string' }, migrations: { type: 'string' } },
    });
    const [commandName, ...args] = positionals;
    const sources = {
      schemaPath: values.schema ? resolve(values.schema) : SCHEMA_PATH,
      migrationsDir: values.migrations ? resolve(values.migrations) : MIGRATIONS_DIR,
    };
    return { commandName, args, sources };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n`);
    return {};
  }
}

// Ctrl-C reaches the Prisma CLI too (same process group). Outliving it lets runPrismaMigrate drop the
// run's shadow databases; a second Ctrl-C quits at once.
const INTERRUPTED_EXIT_CODE = 130;
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(INTERRUPTED_EXIT_CODE);
  interrupted = true;
});

const { commandName, args, sources } = parseCommandLine(process.argv.slice(2));
const command = commandName ? commands[commandName] : undefined;
if (!command) {
  console.error(USAGE);
  process.exit(USAGE_EXIT_CODE);
}
try {
  process.exitCode = await command(args, sources);
} catch (error) {
  console.error(
    `db ${commandName} (${redactUrl(databaseUrlFromEnv())}): ${error instanceof Error ? error.message : error}`,
  );
  process.exitCode = 1;
}
if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
