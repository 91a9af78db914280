// Types for TypeScript callers (the test harness) of database-url.mjs.
import type { ClientConfig } from 'pg';

export declare const DEFAULT_DATABASE_URL: string;
export declare function databaseUrlFromEnv(env?: NodeJS.ProcessEnv): string;
export declare function databaseNameOf(databaseUrl: string): string;
export declare function schemaOf(databaseUrl: string): string | undefined;
export declare function withDatabase(databaseUrl: string, database: string): string;
export declare function redactUrl(databaseUrl: string): string;
/** Discrete pg connection fields for a URL (never a connectionString); `?schema=` becomes search_path. */
export declare function pgConfigOf(
  databaseUrl: string,
  options?: { database?: string; searchPath?: boolean },
): ClientConfig;
