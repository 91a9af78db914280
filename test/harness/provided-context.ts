// What global-setup hands to test files through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** postgresql:// URL of this run's own database, already migrated. */
    testDatabaseUrl: string;
    /** redis:// URL of the run's Redis server (shared with other runs: use the key prefix). */
    testRedisUrl: string;
    /** `rebill-test:<runId>:`; every Redis key the run writes starts with it. */
    testRedisKeyPrefix: string;
  }
}

export const REDIS_KEY_PREFIX_ROOT = 'rebill-test:';
