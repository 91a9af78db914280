import { describe, expect, it } from 'vitest';
import { seedCustomer, seedPlan } from '../store/testing/seed.js';
import { decodeCursor, encodeCursor, listScope } from './pagination.js';
import { apiTest } from './testing/api-test.js';
import { expectInvalidFields, expectStatus } from './testing/expectations.js';

interface ListBody {
  data: { id: string }[];
  next_cursor: string | null;
}

describe('cursor pagination', () => {
  apiTest.for([
    ['distinct creation times', (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i))],
    ['one creation time for all (ties broken by id)', () => new Date(Date.UTC(2026, 0, 1))],
  ] as const)(
    'walks 45 rows in pages of 20 with %s: 3 pages, each row once, stable under inserts',
    async ([, createdAt], { app, merchant, prisma }) => {
      const seeded: string[] = [];
      for (let i = 0; i < 45; i += 1) {
        seeded.push((await seedCustomer(prisma, merchant.merchantId, { createdAt: createdAt(i) })).id);
      }
      const page = async (cursor: string | null) => {
        const url = `/v1/customers?limit=20${cursor === null ? '' : `&cursor=${cursor}`}`;
        const response = await app.inject({ method: 'GET', url, headers: merchant.headers });
        expectStatus(response, 200);
        return response.json<ListBody>();
      };

      const first = await page(null);
      // Rows added while the client walks the list are newer: they never shift its pages.
      for (let i = 0; i < 5; i += 1) {
        await seedCustomer(prisma, merchant.merchantId, { createdAt: new Date(Date.UTC(2026, 5, 1, 0, i)) });
      }
      const second = await page(first.next_cursor);
      const third = await page(second.next_cursor);

      expect([first, second, third].map((p) => p.data.length)).toEqual([20, 20, 5]);
      expect(first.next_cursor).not.toBeNull();
      expect(third.next_cursor).toBeNull();
      const walked = [first, second, third].flatMap((p) => p.data.map((c) => c.id));
      expect(new Set(walked).size).toBe(45);
      expect(new Set(walked)).toEqual(new Set(seeded));
    },
  );

  apiTest('defaults to 20 and answers an empty last page cleanly', async ({ app, merchant, prisma }) => {
    for (let i = 0; i < 21; i += 1) await seedCustomer(prisma, merchant.merchantId);

    const first = (
      await app.inject({ method: 'GET', url: '/v1/customers', headers: merchant.headers })
    ).json<ListBody>();
    const rest = (
      await app.inject({
        method: 'GET',
        url: `/v1/customers?cursor=${first.next_cursor}`,
        headers: merchant.headers,
      })
    ).json<ListBody>();

    expect(first.data).toHaveLength(20);
    expect(rest).toMatchObject({ object: 'list', next_cursor: null });
    expect(rest.data).toHaveLength(1);
  });

  apiTest('refuses limits outside 1..100', async ({ app, merchant }) => {
    for (const limit of ['0', '101', '-1', '2.5', 'ten', '']) {
      expectInvalidFields(
        await app.inject({ method: 'GET', url: `/v1/customers?limit=${limit}`, headers: merchant.headers }),
        ['query.limit'],
      );
    }
    expectStatus(
      await app.inject({ method: 'GET', url: '/v1/customers?limit=100', headers: merchant.headers }),
      200,
    );
  });

  apiTest(
    'refuses a tampered cursor, or one from another list or other filters',
    async ({ app, merchant, prisma }) => {
      for (let i = 0; i < 3; i += 1) {
        await seedCustomer(prisma, merchant.merchantId);
        await seedPlan(prisma, merchant.merchantId);
      }
      const customers = (
        await app.inject({ method: 'GET', url: '/v1/customers?limit=1', headers: merchant.headers })
      ).json<ListBody>();
      const plans = (
        await app.inject({ method: 'GET', url: '/v1/plans?limit=1&status=ACTIVE', headers: merchant.headers })
      ).json<ListBody>();
      const cursor = customers.next_cursor ?? '';
      const flipped = `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`;

      for (const url of [
        `/v1/customers?cursor=${flipped}`,
        `/v1/customers?cursor=${cursor}x`,
        '/v1/customers?cursor=not*base64',
        `/v1/customers?cursor=${Buffer.from('{"v":1}').toString('base64url')}`,
        `/v1/plans?cursor=${cursor}`,
        `/v1/plans?status=ARCHIVED&cursor=${plans.next_cursor}`,
      ]) {
        expectInvalidFields(await app.inject({ method: 'GET', url, headers: merchant.headers }), [
          'query.cursor',
        ]);
      }
      expectStatus(
        await app.inject({
          method: 'GET',
          url: `/v1/plans?status=ACTIVE&cursor=${plans.next_cursor}`,
          headers: merchant.headers,
        }),
        200,
      );
    },
  );
});

describe('cursors', () => {
  const keyset = {
    createdAt: new Date('2026-01-01T00:00:00.123Z'),
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  };

  it('round-trip within their list and filters', () => {
    const scope = listScope('plans', { status: 'ACTIVE' });

    expect(decodeCursor(encodeCursor(keyset, scope), scope)).toEqual(keyset);
  });

  it('bind the filters, whatever their order', () => {
    const scope = listScope('invoices', { status: 'OPEN', subscription_id: 'a' });

    expect(listScope('invoices', { subscription_id: 'a', status: 'OPEN' })).toBe(scope);
    expect(decodeCursor(encodeCursor(keyset, scope), listScope('invoices', { status: 'OPEN' }))).toBeNull();
  });
});
