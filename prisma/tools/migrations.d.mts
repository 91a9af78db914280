// Types for TypeScript callers (the test harness) of migrations.mjs.
export declare class MigrationCommandError extends Error {
  readonly exitCode: number;
}

interface DatabaseOptions {
  /** Defaults to DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/rebill. */
  databaseUrl?: string;
  /** A migrations folder; defaults to prisma/migrations. */
  migrationsDir?: string;
  /** A Prisma 7 schema; defaults to prisma/schema.prisma. */
  schemaPath?: string;
  /** Kills the Prisma CLI; the operation then rejects with the signal's reason, its shadow databases dropped. */
  signal?: AbortSignal;
}

/** Applies pending migrations (creating the database if missing); a no-op when none are pending. */
export declare function deployMigrations(options?: DatabaseOptions): Promise<{ output: string }>;
export declare function resetDatabase(
  options?: DatabaseOptions & { env?: NodeJS.ProcessEnv },
): Promise<{ output: string }>;
/** SQL still missing from prisma/migrations, or '' when in sync. */
export declare function diffMigrationsToSchema(options?: DatabaseOptions): Promise<string>;
export declare function createMigration(
  name: string,
  options?: DatabaseOptions & { now?: Date },
): Promise<string | undefined>;
export declare function migrationSlug(name: string): string;
export declare function migrationTimestamp(date: Date): string;
export declare function ensureLockFile(migrationsDir?: string): void;

/** Creates the URL's database (and `?schema=` schema) when missing; true if it created the database. */
export declare function ensureDatabase(databaseUrl: string): Promise<boolean>;
/** Drops a database (by default the URL's), ending sessions still connected to it. */
export declare function dropDatabase(databaseUrl: string, database?: string): Promise<void>;
/** Names of the server's databases matching a LIKE pattern. */
export declare function listDatabases(databaseUrl: string, likePattern: string): Promise<string[]>;
