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

  databaseTest(
    'a connection cut between two statements fails the transaction, not the process',
    async ({ prisma: db, transactions }) => {
      await expect(
        transactions.run(async (tx) => {
          const [row] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          // What a PostgreSQL restart does to a checked-out connection, while no query is running.
          await db.$queryRaw`SELECT pg_terminate_backend(${row?.pid ?? 0}::int)`;
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.$queryRaw`SELECT 1`;
        }),
      ).rejects.toThrow();
      // The pool replaced the connection: the next transaction runs.
      const [one] = await transactions.run(
        async (tx) => await tx.$queryRaw<{ n: number }[]>`SELECT 1::int AS n`,
      );
      expect(one).toEqual({ n: 1 });
    },
  );
});
