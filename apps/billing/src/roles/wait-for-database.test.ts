// A starting role waits for a PostgreSQL that does not answer yet, but not for one that answers
// "no": real connections (a closed port; a database that does not exist), no mocks of the server.
import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect } from 'vitest';
import { databaseTest } from '../testing/database-test.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { isDatabaseUnavailable } from '../store/health.js';
import { waitForDatabase } from './wait-for-database.js';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { log, lines };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('waiting for PostgreSQL at start', () => {
  databaseTest('a database that answers: no wait, nothing logged', async ({ prisma }) => {
    const { log, lines } = recordingLog();
    await waitForDatabase(prisma, { timeoutMs: 5_000, log, sleep });
    expect(lines).toEqual([]);
  });

  databaseTest(
    'a server that does not answer: waits with back-off, says so once, then gives up',
    async () => {
      const db = createPrismaClient({
        databaseUrl: `postgresql://postgres@127.0.0.1:${await closedPort()}/rebill`,
      });
      try {
        const { log, lines } = recordingLog();
        const sleeps: number[] = [];
        const started = Date.now();
        const failure = await waitForDatabase(db, {
          timeoutMs: 3_000,
          log,
          sleep: async (ms) => {
            sleeps.push(ms);
            await sleep(ms);
          },
        }).catch((error: unknown) => error);
        expect(isDatabaseUnavailable(failure)).toBe(true);
        expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
        expect(sleeps.slice(0, 3)).toEqual([200, 400, 800]);
        expect(lines.map((l) => l.msg)).toEqual(['PostgreSQL does not answer yet; waiting for it']);
      } finally {
        await disconnect(db);
      }
    },
  );

  databaseTest(
    'a server that answers "no such database": fails at once, no waiting',
    async ({ testDatabaseUrl }) => {
      const url = new URL(testDatabaseUrl);
      url.pathname = '/rebill_no_such_database';
      const db = createPrismaClient({ databaseUrl: url.toString() });
      try {
        const { log, lines } = recordingLog();
        const slept: number[] = [];
        const failure = await waitForDatabase(db, {
          timeoutMs: 60_000,
          log,
          sleep: (ms) => {
            slept.push(ms);
            return Promise.resolve();
          },
        }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(Error);
        expect(isDatabaseUnavailable(failure)).toBe(false);
        expect(slept).toEqual([]);
        expect(lines).toEqual([]);
      } finally {
        await disconnect(db);
      }
    },
  );
});
