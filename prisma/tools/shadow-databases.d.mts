// Types for TypeScript callers (tests) of shadow-databases.mjs.
export declare const DEFAULT_SHADOW_DATABASE_PREFIX: string;
/** `prisma_shadow_<12 hex>_`, unique per CLI run. */
export declare function newShadowDatabasePrefix(): string;
export declare function assertShadowDatabasePrefix(prefix: unknown): string;
/** Drops the server's databases named `<prefix>...`; only a run's own prefix is accepted. Returns their names. */
export declare function dropShadowDatabases(databaseUrl: string, prefix: string): Promise<string[]>;
