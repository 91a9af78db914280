// A tick's pages, planned two at a time: each as one page would be shared out, the second
// continuing the round, both together within every merchant's cap and the tick's budget.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planPages } from './sweeps.js';

const caps = (entries: [string, number][]) => new Map(entries);

describe('planPages', () => {
  test('two full pages over many merchants, the second continuing the round', () => {
    const active = ['a', 'b', 'c', 'd'];
    const pages = planPages(active, caps(active.map((id) => [id, 500])), 5000, 10);
    expect(pages).toEqual([
      [
        { merchantId: 'a', limit: 3 },
        { merchantId: 'b', limit: 3 },
        { merchantId: 'c', limit: 2 },
        { merchantId: 'd', limit: 2 },
      ],
      [
        { merchantId: 'a', limit: 3 },
        { merchantId: 'b', limit: 3 },
        { merchantId: 'c', limit: 2 },
        { merchantId: 'd', limit: 2 },
      ],
    ]);
  });

  test('more merchants than a page has rows: the second page serves the next ones', () => {
    const pages = planPages(
      ['a', 'b', 'c', 'd', 'e'],
      caps([
        ['a', 9],
        ['b', 9],
        ['c', 9],
        ['d', 9],
        ['e', 9],
      ]),
      100,
      2,
    );
    expect(pages.map((p) => p.map((q) => q.merchantId))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  test('one merchant near its cap gets one page; the budget can stop the second', () => {
    expect(planPages(['a'], caps([['a', 7]]), 5000, 500)).toEqual([[{ merchantId: 'a', limit: 7 }]]);
    expect(
      planPages(
        ['a', 'b'],
        caps([
          ['a', 500],
          ['b', 500],
        ]),
        600,
        500,
      ),
    ).toEqual([
      [
        { merchantId: 'a', limit: 250 },
        { merchantId: 'b', limit: 250 },
      ],
      [
        { merchantId: 'a', limit: 50 },
        { merchantId: 'b', limit: 50 },
      ],
    ]);
  });

  test('never past a cap, the budget or a page, and never an empty quota', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 6000 }),
        fc.integer({ min: 1, max: 1000 }),
        (active, capList, budget, batch) => {
          const remaining = caps(active.map((id, i) => [id, capList[i] ?? 0]));
          const pages = planPages(active, remaining, budget, batch);
          expect(pages.length).toBeLessThanOrEqual(2);
          const total = new Map<string, number>();
          for (const page of pages) {
            expect(page.reduce((sum, q) => sum + q.limit, 0)).toBeLessThanOrEqual(batch);
            for (const q of page) {
              expect(q.limit).toBeGreaterThan(0);
              total.set(q.merchantId, (total.get(q.merchantId) ?? 0) + q.limit);
            }
          }
          for (const [id, n] of total) expect(n).toBeLessThanOrEqual(remaining.get(id) ?? 0);
          expect([...total.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});
