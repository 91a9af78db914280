// Attempts per local day by outcome.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import { invoicesWithAttempts as invoices } from '../testing/attempt-history.js';
import { seedMerchant } from '../testing/seed.js';
import { chargeOutcomesOverTime } from './charge-outcomes-over-time.js';

describe('chargeOutcomesOverTime', () => {
  test('counts each outcome on its local day', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    await invoices(prisma, merchant.id, [
      // 23:30 UTC on Mar 1 is Mar 2 in Stockholm.
      { status: 'PAID', attempts: [['2026-03-01T23:30:00Z', 'APPROVED']] },
      { status: 'OPEN', attempts: [['2026-03-01T10:00:00Z', 'DECLINED', 'INSUFFICIENT_FUNDS']] },
      {
        status: 'OPEN',
        attempts: [
          ['2026-03-02T10:00:00Z', 'DECLINED', 'INSUFFICIENT_FUNDS'],
          ['2026-03-02T11:00:00Z', 'DECLINED', 'INSUFFICIENT_FUNDS'],
          ['2026-03-02T12:00:00Z', 'DECLINED'],
          ['2026-03-02T13:00:00Z', 'FAILED'],
          ['2026-03-02T14:00:00Z', 'UNKNOWN'],
          ['2026-03-02T15:00:00Z', 'PENDING'],
        ],
      },
      // Outside the window.
      { status: 'PAID', attempts: [['2026-03-05T10:00:00Z', 'APPROVED']] },
    ]);
    const days = await chargeOutcomesOverTime(prisma, {
      merchantId: merchant.id,
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-04T00:00:00Z'),
      zone: 'Europe/Stockholm',
    });
    expect(days).toEqual([
      {
        date: '2026-03-01',
        approved: 0,
        declined: { INSUFFICIENT_FUNDS: 1 },
        failed: 0,
        unknown: 0,
        pending: 0,
      },
      {
        date: '2026-03-02',
        approved: 1,
        declined: { INSUFFICIENT_FUNDS: 2, UNSPECIFIED: 1 },
        failed: 1,
        unknown: 1,
        pending: 1,
      },
    ]);
  });
});
