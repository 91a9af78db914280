import { describe, expect, it } from 'vitest';
import { monthBar } from './progress.js';
import { SUMMARY_PREFIX, summaryJsonLine, summaryTable, type DemoSummary } from './summary.js';

const summary: DemoSummary = {
  seed: 7,
  customers: 40,
  months: 3,
  merchantId: 'm1',
  klarnaAccount: 'krn:partner:global:account:test:DEMO1',
  currency: 'EUR',
  rebill: {
    subscriptionsByStatus: { ACTIVE: 30, CANCELED: 4 },
    charges: 124,
    renewals: 90,
    declines: 5,
    retries: 4,
    recovered: 3,
    canceled: 4,
    refunds: 2,
    capturedMinor: 95376,
    refundedMinor: 1498,
  },
  ledger: { transactions: 124, capturedMinor: 95376, refundedMinor: 1498 },
};

describe('the summary', () => {
  it('sets the database and the ledger side by side', () => {
    const table = summaryTable(summary);
    expect(table).toContain('Summary: seed 7, 40 customers, 3 months');
    expect(table).toMatch(/subscriptions ACTIVE +30\n/);
    expect(table).toMatch(/approved transactions +124 +124\n/);
    expect(table).toMatch(/captured +EUR 953\.76 +EUR 953\.76\n/);
    expect(table).toMatch(/refunded \(2 refunds\) +EUR 14\.98 +EUR 14\.98$/);
  });

  it('is one JSON line for scripts', () => {
    const line = summaryJsonLine(summary);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line.slice(SUMMARY_PREFIX.length))).toEqual(summary);
  });

  it('draws a month bar filled by the fraction of the month passed', () => {
    expect(monthBar(3, 12, 0.5)).toBe('month  3/12 [############------------]');
    expect(monthBar(1, 3, 2)).toBe('month 1/3 [########################]');
  });
});
