// vitest fixtures for the dashboard: the API app of api-test.ts built again with its dashboard
// (a real BullMQ queue on the run's Redis under a prefix of the file's own), and operators to sign
// in as, created as the CLI creates them.
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { apiTest, buildTestApiApp } from '../../api/testing/api-test.js';
import { systemClock } from '../../domain/clock.js';
import { hashPassword } from '../../operators/password.js';
import { pingDatabase } from '../../store/health.js';
import { systemActor } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import { createOperator, type OperatorRole } from '../../store/operators.js';
import { seedDashboardRows } from '../../store/testing/dashboard-rows.js';
import { DEFAULT_DASHBOARD_OPTIONS } from '../deps.js';

export const OPERATOR_PASSWORD = 'operator password 0123';

export async function createTestOperator(db: Db, role: OperatorRole): Promise<{ id: string; email: string }> {
  const email = `${role.toLowerCase()}-${randomUUID()}@ops.example`;
  const created = await createOperator(db, {
    email,
    role,
    password: await hashPassword(OPERATOR_PASSWORD),
    actor: systemActor('test'),
    at: systemClock.now(),
  });
  if (created.kind !== 'created') throw new Error('operator not created');
  return { id: created.operator.id, email };
}

export const dashboardTest = apiTest
  .extend('queue', { scope: 'file' }, ({ testRedisUrl }, { onCleanup }) => {
    const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('subscriptions', {
      connection,
      prefix: `{rebill-test-dashboard-${randomBytes(4).toString('hex')}}`,
    });
    onCleanup(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    });
    return queue;
  })
  .extend(
    'dashboardApp',
    { scope: 'file' },
    async ({ prisma, clock, filePayments, fileSignups, queue }, { onCleanup }) => {
      const app = await buildTestApiApp(prisma, clock, fileSignups, filePayments, {
        readiness: { database: () => pingDatabase(prisma) },
        dashboard: { sessionClock: systemClock, queues: [queue], options: DEFAULT_DASHBOARD_OPTIONS },
      });
      onCleanup(() => app.close());
      return app;
    },
  )
  /** Every kind of row the pages show, for this test's merchant (store/testing/dashboard-rows.ts). */
  .extend('rows', ({ prisma, clock, merchant }) =>
    seedDashboardRows(prisma, merchant.merchantId, clock.now()),
  )
  .extend('admin', ({ prisma }) => createTestOperator(prisma, 'ADMIN'))
  .extend('viewer', ({ prisma }) => createTestOperator(prisma, 'VIEWER'));
