// What global-setup hands to test files through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** postgresql:// URL of this run's own database, already migrated. */
    testDatabaseUrl: string;
    /**
     * postgresql:// URL of the run's migrated template database (`<run database>_tpl`). Closed to
     * connections: only clone it (createDatabaseFromTemplate), never connect to it.
     */
    testTemplateDatabaseUrl: string;
    /** redis:// URL of the run's Redis server (shared with other runs: use the key prefix). */
    testRedisUrl: string;
    /** `rebill-test:<runId>:`; every Redis key the run writes starts with it. */
    testRedisKeyPrefix: string;
  }
}

export const REDIS_KEY_PREFIX_ROOT = 'rebill-test:';
