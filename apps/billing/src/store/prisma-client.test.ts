import { describe, expect, it } from 'vitest';
import { databaseTest } from '../testing/database-test.js';
import { inTransaction } from './db.js';
import { createPrismaClient, disconnect, preparedStatementNames } from './prisma-client.js';

function withSchema(databaseUrl: string, schema: string): string {
  return withParam(databaseUrl, 'schema', schema);
}

function withParam(databaseUrl: string, name: string, value: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set(name, value);
  return url.toString();
}

/** The statements prepared on the connection a transaction runs on, after running one twice there. */
async function preparedAfterTwoRuns(databaseUrl: string): Promise<{ name: string; statement: string }[]> {
  const client = createPrismaClient({ databaseUrl });
  try {
    return await inTransaction(client, async (tx) => {
      for (let i = 0; i < 2; i++) await tx.$queryRaw`SELECT ${i}::int AS probe_prepared`;
      return tx.$queryRaw<{ name: string; statement: string }[]>`
        SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%probe_prepared%'
          AND statement NOT LIKE '%pg_prepared_statements%'`;
    });
  } finally {
    await disconnect(client);
  }
}

describe('createPrismaClient', () => {
  databaseTest('queries the database the URL names', async ({ prisma, testDatabaseUrl }) => {
    const [row] = await prisma.$queryRaw<[{ database: string }]>`SELECT current_database() AS database`;

    expect(`/${row.database}`).toBe(new URL(testDatabaseUrl).pathname);
    expect(await prisma.merchant.count({ where: { name: 'nobody has this name' } })).toBe(0);
  });

  databaseTest(
    'runs raw SQL in the ?schema= schema, like the generated queries',
    async ({ prisma, testDatabaseUrl }) => {
      await prisma.$executeRawUnsafe('CREATE SCHEMA IF NOT EXISTS factory_probe');
      const inSchema = createPrismaClient({ databaseUrl: withSchema(testDatabaseUrl, 'factory_probe') });
      try {
        const [row] = await inSchema.$queryRaw<[{ schema: string }]>`SELECT current_schema() AS schema`;

        expect(row.schema).toBe('factory_probe');
      } finally {
        await disconnect(inSchema);
      }
    },
  );

  databaseTest('prepares each distinct statement once per connection', async ({ testDatabaseUrl }) => {
    const prepared = await preparedAfterTwoRuns(testDatabaseUrl);

    expect(prepared).toHaveLength(1);
    expect(prepared[0]?.name).toMatch(/^rebill_\d+$/);
  });

  databaseTest('sends statements unprepared with ?pgbouncer=true', async ({ testDatabaseUrl }) => {
    expect(await preparedAfterTwoRuns(withParam(testDatabaseUrl, 'pgbouncer', 'true'))).toEqual([]);
  });

  it('names a statement once, never transaction control, and none past its limit', () => {
    const name = preparedStatementNames(2);
    expect(name({ sql: 'SELECT 1' })).toBe('rebill_1');
    expect(name({ sql: 'SELECT 1' })).toBe('rebill_1');
    expect(name({ sql: 'BEGIN' })).toBe('');
    expect(name({ sql: 'SELECT 2' })).toBe('rebill_2');
    expect(name({ sql: 'SELECT 3' })).toBe('');
    expect(name({ sql: 'SELECT 2' })).toBe('rebill_2');
  });

  it.each([
    ['not a URL', 'databaseUrl is not a valid URL'],
    ['mysql://root@127.0.0.1/rebill', 'databaseUrl must use postgresql://'],
    [
      'postgresql://postgres@127.0.0.1/rebill?schema=a;drop',
      'databaseUrl ?schema= must be a plain identifier',
    ],
  ])('rejects %s', (databaseUrl, message) => {
    expect(() => createPrismaClient({ databaseUrl })).toThrow(message);
  });
});
