// Shadow database ownership: each CLI run drops only the databases named with its own prefix.
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabase, listDatabases } from '../../prisma/tools/migrations.mjs';
import { withDatabase } from '../../prisma/tools/database-url.mjs';
import {
  DEFAULT_SHADOW_DATABASE_PREFIX,
  dropShadowDatabases,
  newShadowDatabasePrefix,
} from '../../prisma/tools/shadow-databases.mjs';
import { testDatabaseUrl } from '../harness/index.js';

const POSTGRES_NAME_LIMIT = 63;
/** What the migration adapter appends to the prefix: a UUID without dashes. */
const ADAPTER_SUFFIX_LENGTH = 32;

describe('shadow database prefixes', () => {
  const created: string[] = [];

  // Promptly: the offline check test asserts no prisma_shadow_* database stays around.
  afterAll(async () => {
    for (const name of created) await dropDatabase(testDatabaseUrl(), name);
  });

  it('are unique per run and leave room for the adapter suffix', () => {
    const prefix = newShadowDatabasePrefix();

    expect(prefix).toMatch(/^prisma_shadow_[0-9a-f]{12}_$/);
    expect(newShadowDatabasePrefix()).not.toBe(prefix);
    expect(prefix.length + ADAPTER_SUFFIX_LENGTH).toBeLessThanOrEqual(POSTGRES_NAME_LIMIT);
  });

  it("drop only the run's own databases", async () => {
    const [mine, theirs] = [newShadowDatabasePrefix(), newShadowDatabasePrefix()];
    for (const name of [`${mine}a`, `${mine}b`, `${theirs}a`]) {
      created.push(name);
      await ensureDatabase(withDatabase(testDatabaseUrl(), name));
    }

    const dropped = await dropShadowDatabases(testDatabaseUrl(), mine);

    const remaining = await listDatabases(testDatabaseUrl(), 'prisma\\_shadow\\_%');
    expect(dropped).toEqual([`${mine}a`, `${mine}b`]);
    expect(remaining).not.toContain(`${mine}a`);
    expect(remaining).toContain(`${theirs}a`);
  });

  it('refuse the bare default prefix, which would match every run', async () => {
    await expect(dropShadowDatabases(testDatabaseUrl(), DEFAULT_SHADOW_DATABASE_PREFIX)).rejects.toThrow(
      /Not a run's shadow database prefix/,
    );
  });
});
