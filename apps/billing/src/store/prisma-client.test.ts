import { describe, expect, it } from 'vitest';
import { databaseTest } from '../testing/database-test.js';
import { createPrismaClient, disconnect } from './prisma-client.js';

function withSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
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
