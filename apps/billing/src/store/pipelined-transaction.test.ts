import { describe, expect } from 'vitest';
import { databaseTest } from '../testing/database-test.js';
import { Prisma } from './generated/prisma/client.js';
import { queryInOrder, queryLast } from './raw-tx.js';

const TABLE = Prisma.sql`CREATE TABLE IF NOT EXISTS pipelined_probe (n int PRIMARY KEY)`;
const count = Prisma.sql`SELECT count(*)::int AS n FROM pipelined_probe`;

describe('pipelined transactions', () => {
  databaseTest(
    'commits when the callback returns, rolls back when it throws',
    async ({ prisma: db, transactions }) => {
      await db.$executeRaw(TABLE);
      await transactions.run(
        async (tx) => await tx.$executeRaw`INSERT INTO pipelined_probe VALUES (${1}::int)`,
      );
      await expect(
        transactions.run(async (tx) => {
          await tx.$executeRaw`INSERT INTO pipelined_probe VALUES (${2}::int)`;
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      const [rows = [], counted = []] = await transactions.run((tx) =>
        queryInOrder(tx, [Prisma.sql`SELECT n FROM pipelined_probe WHERE n < 10`, count]),
      );
      expect(rows).toEqual([{ n: 1 }]);
      expect(counted).toHaveLength(1);
    },
  );

  databaseTest(
    'queryLast commits with its statement; a failing one rolls the transaction back',
    async ({ prisma: db, transactions }) => {
      await db.$executeRaw(TABLE);
      await transactions.run(async (tx) => {
        await tx.$executeRaw`INSERT INTO pipelined_probe VALUES (${10}::int)`;
        await queryLast(tx, Prisma.sql`INSERT INTO pipelined_probe VALUES (${11}::int) RETURNING n`);
        await expect(tx.$queryRaw(count)).rejects.toThrow('committed');
      });
      await expect(
        transactions.run(async (tx) => {
          await tx.$executeRaw`INSERT INTO pipelined_probe VALUES (${12}::int)`;
          await queryLast(tx, Prisma.sql`INSERT INTO pipelined_probe VALUES (${10}::int) RETURNING n`);
        }),
      ).rejects.toThrow('duplicate key');
      const rows = await db.$queryRaw<
        { n: number }[]
      >`SELECT n FROM pipelined_probe WHERE n >= 10 ORDER BY n`;
      expect(rows).toEqual([{ n: 10 }, { n: 11 }]);
    },
  );
});
