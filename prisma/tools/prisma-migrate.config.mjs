// Config of the Prisma 6.19 CLI (npm alias `prisma-migrate`) that runs migrations offline: its
// WebAssembly schema engine over the pg adapter, so no native engine download is needed.
// Run it through prisma/tools/db.mjs, which also sets PRISMA_CLIENT_ENGINE_TYPE=client and, through
// cli-environment.mjs, the schema, migrations folder and shadow database prefix of the run.
import { defineConfig } from 'prisma-migrate/config';
import { readCliEnvironment } from './cli-environment.mjs';
import { databaseUrlFromEnv } from './database-url.mjs';
import { writeDerivedSchema } from './derived-schema.mjs';
import { unrefEngineTimers } from './engine-timers.mjs';
import { createMigrationAdapterFactory } from './migration-adapter.mjs';

const databaseUrl = databaseUrlFromEnv();
const { schemaPath, migrationsDir, shadowDatabasePrefix } = readCliEnvironment();
unrefEngineTimers();

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: writeDerivedSchema(schemaPath),
  migrations: { path: migrationsDir },
  adapter: () => Promise.resolve(createMigrationAdapterFactory(databaseUrl, { shadowDatabasePrefix })),
});
