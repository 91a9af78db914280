// Dunning episodes over a window, by how they ended, and the recovery rate of the ended ones.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import { invoicesWithAttempts as invoices } from '../testing/attempt-history.js';
import { seedMerchant } from '../testing/seed.js';
import type { AttemptStatus } from '../testing/attempt-history.js';
import { dunningRecoveryRate } from './dunning-recovery-rate.js';

describe('dunningRecoveryRate', () => {
  test('counts episodes by how they ended and rates the ended ones', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const declined: [string, AttemptStatus, string] = [
      '2026-04-02T10:00:00Z',
      'DECLINED',
      'INSUFFICIENT_FUNDS',
    ];
    await invoices(prisma, merchant.id, [
      { status: 'PAID', attempts: [declined, ['2026-04-03T10:00:00Z', 'APPROVED']] },
      { status: 'PAID', attempts: [declined, ['2026-04-05T10:00:00Z', 'APPROVED']] },
      { status: 'PAID', attempts: [declined, ['2026-04-06T10:00:00Z', 'APPROVED']] },
      { status: 'UNCOLLECTIBLE', attempts: [declined, ['2026-04-07T10:00:00Z', 'DECLINED']] },
      { status: 'OPEN', attempts: [declined] },
      // Not dunning: paid at once; and an episode that began before the window.
      { status: 'PAID', attempts: [['2026-04-02T10:00:00Z', 'APPROVED']] },
      {
        status: 'PAID',
        attempts: [
          ['2026-03-20T10:00:00Z', 'DECLINED'],
          ['2026-04-02T10:00:00Z', 'APPROVED'],
        ],
      },
    ]);
    const window = { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-05-01T00:00:00Z') };
    expect(await dunningRecoveryRate(prisma, { merchantId: merchant.id, ...window })).toEqual({
      entered: 5,
      recovered: 3,
      gaveUp: 1,
      stillOpen: 1,
      rate: 0.75,
    });
    const empty = await seedMerchant(prisma);
    expect(await dunningRecoveryRate(prisma, { merchantId: empty.id, ...window })).toEqual({
      entered: 0,
      recovered: 0,
      gaveUp: 0,
      stillOpen: 0,
      rate: null,
    });
  });
});
