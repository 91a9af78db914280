// Prisma 7 config: used by `prisma generate` (client) and, on machines with internet, the stock CLI.
// Generate never runs the schema engine, so any existing file satisfies the binary lookup offline.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/rebill' },
});
