// Config of the Prisma 6.19 CLI (npm alias `prisma-migrate`) that runs migrations offline: its
// WebAssembly schema engine over the pg adapter, so no native engine download is needed.
// Run it through prisma/tools/db.mjs, which also sets PRISMA_CLIENT_ENGINE_TYPE=client.
import { defineConfig } from 'prisma-migrate/config';
import { databaseUrlFromEnv } from './database-url.mjs';
import { writeDerivedSchema } from './derived-schema.mjs';
import { unrefEngineTimers } from './engine-timers.mjs';
import { createMigrationAdapterFactory } from './migration-adapter.mjs';
import { MIGRATIONS_DIR } from './paths.mjs';

const databaseUrl = databaseUrlFromEnv();
unrefEngineTimers();

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: writeDerivedSchema(),
  migrations: { path: MIGRATIONS_DIR },
  adapter: () => Promise.resolve(createMigrationAdapterFactory(databaseUrl)),
});
