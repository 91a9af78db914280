// A small project for the migration tool: a Prisma 7 schema, a migration Prisma's diff made from it
// with hand-written SQL appended (the rules the schema cannot express), and a drifted schema.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCHEMA = `generator client {
  provider = "prisma-client"
  output   = "./generated"
}

datasource db {
  provider = "postgresql"
}

model Plan {
  id            String        @id
  currency      String
  amountMinor   Int
  intervalCount Int
  entries       LedgerEntry[]
}

model LedgerEntry {
  id          String  @id
  planId      String
  plan        Plan    @relation(fields: [planId], references: [id])
  amountMinor Int
  note        String?

  @@index([planId])
}
`;

/** The schema with one more column: what the migrations do not build. */
const DRIFTED_SCHEMA = SCHEMA.replace(
  '  intervalCount Int\n',
  '  intervalCount Int\n  archivedAt    DateTime?\n',
);

/** Table CHECK constraints (a regex one, a NOT VALID one), a partial index and an append-only trigger. */
export const HAND_WRITTEN_SQL = `
-- Hand-written: rules schema.prisma cannot express.
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_amountMinor_positive" CHECK ("amountMinor" > 0);
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_currency_iso4217" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_intervalCount_min" CHECK ("intervalCount" >= 1) NOT VALID;
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_amountMinor_nonzero" CHECK ("amountMinor" <> 0);

CREATE INDEX "LedgerEntry_noted_idx" ON "LedgerEntry" ("planId") WHERE "note" IS NOT NULL;

CREATE FUNCTION "ledger_entry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LedgerEntry is append-only (% rejected)', TG_OP;
END;
$$;
CREATE TRIGGER "LedgerEntry_append_only" BEFORE UPDATE OR DELETE ON "LedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entry_append_only"();
`;

export interface FixturePaths {
  schemaPath: string;
  driftedSchemaPath: string;
  migrationsDir: string;
}

/** Writes both schemas into `dir`; the migrations folder is left for Prisma's diff to fill. */
export function writeFixtureSchemas(dir: string): FixturePaths {
  const paths = {
    schemaPath: join(dir, 'schema.prisma'),
    driftedSchemaPath: join(dir, 'drifted.prisma'),
    migrationsDir: join(dir, 'migrations'),
  };
  writeFileSync(paths.schemaPath, SCHEMA);
  writeFileSync(paths.driftedSchemaPath, DRIFTED_SCHEMA);
  return paths;
}

export function appendHandWrittenSql(migrationFile: string): void {
  appendFileSync(migrationFile, HAND_WRITTEN_SQL);
}

/** Adds `<migrationsDir>/<name>/migration.sql` (name must sort after the existing migrations). */
export function addMigration(migrationsDir: string, name: string, sql: string): void {
  mkdirSync(join(migrationsDir, name));
  writeFileSync(join(migrationsDir, name, 'migration.sql'), sql);
}
