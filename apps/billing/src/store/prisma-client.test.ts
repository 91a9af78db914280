import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '@rebill/test/harness';
import { createPrismaClient, disconnect } from './prisma-client.js';
import type { PrismaClient } from './generated/prisma/client.js';

const opened: PrismaClient[] = [];

function open(databaseUrl: string): PrismaClient {
  const prisma = createPrismaClient({ databaseUrl });
  opened.push(prisma);
  return prisma;
}

afterAll(async () => {
  await Promise.all(opened.map((prisma) => disconnect(prisma)));
});

function withSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

describe('createPrismaClient', () => {
  it('queries the database the URL names', async () => {
    const prisma = open(testDatabaseUrl());

    const [row] = await prisma.$queryRaw<[{ database: string }]>`SELECT current_database() AS database`;

    expect(`/${row.database}`).toBe(new URL(testDatabaseUrl()).pathname);
    expect(await prisma.merchant.count({ where: { name: 'nobody has this name' } })).toBe(0);
  });

  it('runs raw SQL in the ?schema= schema, like the generated queries', async () => {
    await open(testDatabaseUrl()).$executeRawUnsafe('CREATE SCHEMA IF NOT EXISTS factory_probe');
    const prisma = open(withSchema(testDatabaseUrl(), 'factory_probe'));

    const [row] = await prisma.$queryRaw<[{ schema: string }]>`SELECT current_schema() AS schema`;

    expect(row.schema).toBe('factory_probe');
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
