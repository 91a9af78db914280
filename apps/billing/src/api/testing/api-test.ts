// vitest fixtures for the merchant API on the run's database: one app per test file (real store,
// a virtual clock, the FakeSignups port, the money job on FakePayments, readiness probes on the run's PostgreSQL and Redis) and
// a fresh merchant with an API key per test, so tests never see each other's rows.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { VirtualClock, type Clock } from '../../domain/clock.js';
import type { MoneyDeps } from '../../money/deps.js';
import type { Db } from '../../store/db.js';
import { pingRedis } from '../../queue/redis-ping.js';
import { pingDatabase } from '../../store/health.js';
import { databaseTest } from '../../testing/database-test.js';
import { Keyring } from '../../vault/keyring.js';
import { Vault } from '../../vault/vault.js';
import { buildApiApp } from '../app.js';
import type { ApiDeps } from '../deps.js';
import { FakePayments } from './fake-payments.js';
import { FakeSignups } from './fake-signups.js';
import { createTenant } from './tenants.js';
import { noThrottle } from '../../testing/no-throttle.js';

/** Seals the webhook endpoints' signing secrets in API tests. */
export const testVault = new Vault(
  new Keyring({
    encryptionKeys: [{ id: 'api-test', key: randomBytes(32) }],
    fingerprintKey: { id: 'api-test-fp', key: randomBytes(32) },
  }),
);

/** The charge money job on FakePayments, silent, without waits between re-sends. */
export function testMoneyDeps(db: Db, clock: Clock, payments: FakePayments): MoneyDeps {
  return {
    db,
    clock,
    payments,
    log: pino({ level: 'silent' }),
    throttle: noThrottle,
    sleep: () => Promise.resolve(),
    resendDelaysMs: [],
  };
}

/** The API app as the tests build it (test vault, fake signups, money on FakePayments), plus `extra`. */
export function buildTestApiApp(
  db: Db,
  clock: Clock,
  signups: FakeSignups,
  payments: FakePayments,
  extra: Pick<ApiDeps, 'readiness'> & Partial<ApiDeps>,
) {
  return buildApiApp({
    db,
    clock,
    vault: testVault,
    signups,
    money: testMoneyDeps(db, clock, payments),
    ...extra,
  });
}

/** Where every test file's virtual clock starts. */
export const TEST_START = '2026-03-02T09:00:00.000Z';

export const apiTest = databaseTest
  .extend('testRedisUrl', { scope: 'worker', injected: true }, (): string => {
    throw new Error('testRedisUrl was not provided: run this test in the integration project');
  })
  .extend('clock', { scope: 'file' }, () => new VirtualClock(TEST_START))
  .extend('redis', { scope: 'file' }, ({ testRedisUrl }, { onCleanup }) => {
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    onCleanup(() => {
      redis.disconnect();
    });
    return redis;
  })
  .extend('fileSignups', { scope: 'file' }, ({ prisma, clock }) => new FakeSignups(prisma, clock))
  .extend('filePayments', { scope: 'file' }, () => new FakePayments())
  .extend(
    'app',
    { scope: 'file' },
    async ({ prisma, clock, redis, fileSignups, filePayments }, { onCleanup }) => {
      const app = await buildTestApiApp(prisma, clock, fileSignups, filePayments, {
        readiness: { database: () => pingDatabase(prisma), redis: () => pingRedis(redis) },
      });
      onCleanup(() => app.close());
      return app;
    },
  )
  /** The port as this test left it: calls recorded from a clean slate. */
  .extend('signups', ({ fileSignups }) => {
    fileSignups.reset();
    return fileSignups;
  })
  /** Klarna's money operations as this test left them: calls recorded from a clean slate. */
  .extend('payments', ({ filePayments }) => {
    filePayments.reset();
    return filePayments;
  })
  .extend('merchant', ({ prisma, clock }) => createTenant(prisma, clock.now()))
  .extend('otherMerchant', ({ prisma, clock }) => createTenant(prisma, clock.now()));
