import { describe, expect } from 'vitest';
import { KLARNA_MAX_AMOUNT } from '../../domain/index.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

const GOLD = {
  code: 'gold',
  name: 'Gold',
  currency: 'SEK',
  amount: 9900,
  interval: 'MONTH',
  interval_count: 1,
  trial_days: 14,
};

interface PlanBody {
  id: string;
  status: string;
  latest_version: { id: string; version: number; amount: number; currency: string; name: string } & Record<
    string,
    unknown
  >;
  versions: { id: string; version: number }[];
  archived_at: string | null;
}

describe('POST /v1/plans', () => {
  apiTest(
    'creates the plan with version 1 and writes an audit row',
    async ({ app, merchant, prisma, clock }) => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: merchant.headers,
        payload: GOLD,
      });

      expectStatus(response, 201);
      const plan = response.json<PlanBody>();
      expect(plan).toMatchObject({
        object: 'plan',
        code: 'gold',
        name: 'Gold',
        currency: 'SEK',
        status: 'ACTIVE',
        created_at: clock.now().toISOString(),
        archived_at: null,
        latest_version: {
          object: 'plan_version',
          plan_id: plan.id,
          version: 1,
          name: 'Gold',
          amount: 9900,
          currency: 'SEK',
          interval: 'MONTH',
          interval_count: 1,
          trial_days: 14,
          dunning_policy: {
            retry_offsets_hours: [24, 72, 120, 168],
            max_attempts: 5,
            grace_period_days: 7,
            final_action: 'CANCEL',
          },
          catch_up_policy: { kind: 'CURRENT_ONLY' },
        },
      });
      expect(plan.versions.map((v) => v.version)).toEqual([1]);
      const audit = await prisma.auditEvent.findMany({
        where: { merchantId: merchant.merchantId, entityId: plan.id },
      });
      expect(audit).toMatchObject([
        { actorKind: 'API_KEY', actorId: merchant.apiKeyId, entityType: 'plan', action: 'created' },
      ]);
      expect(audit[0]?.after).toMatchObject({ code: 'gold', version: { amountMinor: 9900, version: 1 } });
    },
  );

  apiTest('stores the policies given, with the domain filling in defaults', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: merchant.headers,
      payload: {
        ...GOLD,
        dunning_policy: { retry_offsets_hours: [12, 48], final_action: 'MARK_UNPAID' },
        catch_up_policy: { kind: 'EACH_MISSED', max_charges: 3 },
      },
    });

    expectStatus(response, 201);
    expect(response.json<PlanBody>().latest_version).toMatchObject({
      dunning_policy: {
        retry_offsets_hours: [12, 48],
        max_attempts: 3,
        grace_period_days: 7,
        final_action: 'MARK_UNPAID',
      },
      catch_up_policy: { kind: 'EACH_MISSED', max_charges: 3 },
    });
  });

  apiTest.for([
    ['code', { code: 'has space' }],
    ['code', { code: '' }],
    ['name', { name: '' }],
    ['name', { name: 'nul\u0000byte' }],
    ['currency', { currency: 'JPY' }],
    ['currency', { currency: 'sek' }],
    ['amount', { amount: 0 }],
    ['amount', { amount: KLARNA_MAX_AMOUNT + 1 }],
    ['amount', { amount: 12.5 }],
    ['amount', { amount: '9900' }],
    ['interval', { interval: 'FORTNIGHT' }],
    ['interval_count', { interval_count: 0 }],
    ['interval_count', { interval_count: 121 }],
    ['trial_days', { trial_days: -1 }],
    ['trial_days', { trial_days: 3651 }],
    ['dunning_policy.retry_offsets_hours[1]', { dunning_policy: { retry_offsets_hours: [48, 24] } }],
    ['dunning_policy.max_attempts', { dunning_policy: { retry_offsets_hours: [24], max_attempts: 3 } }],
    ['dunning_policy.grace_period_days', { dunning_policy: { grace_period_days: 366 } }],
    ['dunning_policy.final_action', { dunning_policy: { final_action: 'SHRUG' } }],
    ['dunning_policy.retryOffsetsHours', { dunning_policy: { retryOffsetsHours: [24] } }],
    ['catch_up_policy.max_charges', { catch_up_policy: { kind: 'EACH_MISSED', max_charges: 121 } }],
    ['catch_up_policy.kind', { catch_up_policy: { kind: 'SOME' } }],
    ['surprise', { surprise: true }],
  ] as const)('names %s when it is wrong', async ([field, change], { app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: merchant.headers,
      payload: { ...GOLD, ...change },
    });

    expectInvalidFields(response, [field]);
  });

  apiTest('names every missing required field', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: merchant.headers,
      payload: {},
    });

    const problem = expectInvalidFields(response, ['code', 'name', 'currency', 'amount', 'interval']);
    expect(problem.errors?.find((e) => e.field === 'code')?.message).toBe('is required');
  });

  apiTest(
    'refuses a second plan with the same code (409), but not for another merchant',
    async ({ app, merchant, otherMerchant }) => {
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD });

      const again = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: merchant.headers,
        payload: GOLD,
      });
      const elsewhere = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: otherMerchant.headers,
        payload: GOLD,
      });

      expect(expectProblem(again, 409, 'already-exists').errors).toEqual([
        { field: 'code', message: 'is already used by another plan' },
      ]);
      expectStatus(elsewhere, 201);
    },
  );
});

describe('GET /v1/plans', () => {
  apiTest(
    "lists the merchant's plans newest first, filtered by status",
    async ({ app, merchant, otherMerchant, clock }) => {
      const ids: string[] = [];
      for (const code of ['a', 'b', 'c']) {
        clock.advance(1000);
        const created = await app.inject({
          method: 'POST',
          url: '/v1/plans',
          headers: merchant.headers,
          payload: { ...GOLD, code },
        });
        ids.push(created.json<PlanBody>().id);
      }
      await app.inject({ method: 'POST', url: '/v1/plans', headers: otherMerchant.headers, payload: GOLD });
      await app.inject({ method: 'POST', url: `/v1/plans/${ids[1]}/archive`, headers: merchant.headers });

      const all = await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers });
      const archived = await app.inject({
        method: 'GET',
        url: '/v1/plans?status=ARCHIVED',
        headers: merchant.headers,
      });
      const active = await app.inject({
        method: 'GET',
        url: '/v1/plans?status=ACTIVE',
        headers: merchant.headers,
      });

      expect(all.json<{ data: PlanBody[] }>().data.map((p) => p.id)).toEqual([...ids].reverse());
      expect(all.json()).toMatchObject({ object: 'list', next_cursor: null });
      expect(archived.json<{ data: PlanBody[] }>().data.map((p) => p.id)).toEqual([ids[1]]);
      expect(active.json<{ data: PlanBody[] }>().data.map((p) => p.id)).toEqual([ids[2], ids[0]]);
    },
  );

  apiTest('names a bad status filter', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/plans?status=GONE',
      headers: merchant.headers,
    });

    expectInvalidFields(response, ['query.status']);
  });
});

describe('GET /v1/plans/:id', () => {
  apiTest('reads the plan with its versions, newest first', async ({ app, merchant }) => {
    const plan = (
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
    ).json<PlanBody>();
    await app.inject({
      method: 'POST',
      url: `/v1/plans/${plan.id}/versions`,
      headers: merchant.headers,
      payload: { amount: 12900, interval: 'MONTH', interval_count: 1, trial_days: 0 },
    });

    const response = await app.inject({
      method: 'GET',
      url: `/v1/plans/${plan.id}`,
      headers: merchant.headers,
    });

    expectStatus(response, 200);
    const read = response.json<PlanBody>();
    expect(read.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(read.latest_version).toMatchObject({ version: 2, amount: 12900 });
  });

  apiTest(
    "answers 404 for an unknown, a malformed, or another merchant's id",
    async ({ app, merchant, otherMerchant }) => {
      const plan = (
        await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
      ).json<PlanBody>();

      for (const url of [
        `/v1/plans/00000000-0000-4000-8000-000000000000`,
        `/v1/plans/not-a-uuid`,
        `/v1/plans/${plan.id}`,
      ]) {
        expectProblem(
          await app.inject({ method: 'GET', url, headers: otherMerchant.headers }),
          404,
          'not-found',
        );
      }
    },
  );
});

describe('POST /v1/plans/:id/archive', () => {
  apiTest('archives once; archiving again changes nothing', async ({ app, merchant, prisma, clock }) => {
    const plan = (
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
    ).json<PlanBody>();
    clock.advance(60_000);
    const archivedAt = clock.now().toISOString();

    const first = await app.inject({
      method: 'POST',
      url: `/v1/plans/${plan.id}/archive`,
      headers: merchant.headers,
    });
    clock.advance(60_000);
    const second = await app.inject({
      method: 'POST',
      url: `/v1/plans/${plan.id}/archive`,
      headers: merchant.headers,
      payload: {},
    });

    expectStatus(first, 200);
    expect(first.json()).toMatchObject({ status: 'ARCHIVED', archived_at: archivedAt });
    expect(second.json()).toEqual(first.json());
    const audit = await prisma.auditEvent.findMany({
      where: { entityId: plan.id, action: 'archived' },
    });
    expect(audit).toHaveLength(1);
  });

  apiTest('takes no body fields', async ({ app, merchant }) => {
    const plan = (
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
    ).json<PlanBody>();

    const response = await app.inject({
      method: 'POST',
      url: `/v1/plans/${plan.id}/archive`,
      headers: merchant.headers,
      payload: { reason: 'old' },
    });

    expectInvalidFields(response, ['reason']);
  });
});

describe('POST /v1/plans/:id/versions', () => {
  const V2 = { amount: 14900, interval: 'YEAR', interval_count: 1, trial_days: 0 };

  apiTest(
    'adds version n + 1 in the plan currency and keeps the old one',
    async ({ app, merchant, prisma }) => {
      const plan = (
        await app.inject({
          method: 'POST',
          url: '/v1/plans',
          headers: merchant.headers,
          payload: {
            ...GOLD,
            dunning_policy: { retry_offsets_hours: [6] },
            catch_up_policy: { kind: 'EACH_MISSED', max_charges: 2 },
          },
        })
      ).json<PlanBody>();

      const response = await app.inject({
        method: 'POST',
        url: `/v1/plans/${plan.id}/versions`,
        headers: merchant.headers,
        payload: V2,
      });

      expectStatus(response, 201);
      expect(response.json()).toMatchObject({
        object: 'plan_version',
        plan_id: plan.id,
        version: 2,
        name: 'Gold',
        currency: 'SEK',
        amount: 14900,
        interval: 'YEAR',
        // Omitted policies are the latest version's.
        dunning_policy: { retry_offsets_hours: [6], max_attempts: 2 },
        catch_up_policy: { kind: 'EACH_MISSED', max_charges: 2 },
      });
      const v1 = await prisma.planVersion.findUniqueOrThrow({ where: { id: plan.latest_version.id } });
      expect(v1).toMatchObject({ version: 1, amountMinor: 9900 });
      const audit = await prisma.auditEvent.findMany({
        where: { entityId: plan.id, action: 'version_added' },
      });
      expect(audit).toHaveLength(1);
      expect(audit[0]?.after).toMatchObject({ version: 2, amountMinor: 14900 });
    },
  );

  apiTest('gives concurrent requests distinct version numbers', async ({ app, merchant }) => {
    const plan = (
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
    ).json<PlanBody>();

    const responses = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        app.inject({
          method: 'POST',
          url: `/v1/plans/${plan.id}/versions`,
          headers: merchant.headers,
          payload: { ...V2, amount: 10000 + i },
        }),
      ),
    );

    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(responses.map((r) => r.json<{ version: number }>().version).sort()).toEqual([2, 3, 4, 5]);
  });

  apiTest('refuses a version for an archived plan (409)', async ({ app, merchant }) => {
    const plan = (
      await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
    ).json<PlanBody>();
    await app.inject({ method: 'POST', url: `/v1/plans/${plan.id}/archive`, headers: merchant.headers });

    const response = await app.inject({
      method: 'POST',
      url: `/v1/plans/${plan.id}/versions`,
      headers: merchant.headers,
      payload: V2,
    });

    expectProblem(response, 409, 'plan-archived');
  });

  apiTest(
    "names a currency change as an unknown field (the currency is the plan's)",
    async ({ app, merchant }) => {
      const plan = (
        await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
      ).json<PlanBody>();

      const response = await app.inject({
        method: 'POST',
        url: `/v1/plans/${plan.id}/versions`,
        headers: merchant.headers,
        payload: { ...V2, currency: 'EUR', interval_count: 11 },
      });

      expectInvalidFields(response, ['currency', 'interval_count']);
    },
  );
});

describe('capture mode on plans and versions', () => {
  const TWO_DAYS = 2 * 86_400;

  apiTest('defaults to NOW with no delay', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: merchant.headers,
      payload: GOLD,
    });

    expectStatus(response, 201);
    expect(response.json<PlanBody>().latest_version).toMatchObject({
      capture_mode: 'NOW',
      capture_delay_seconds: 0,
    });
  });

  apiTest(
    'stores LATER with its delay, on the plan and on a new version',
    async ({ app, merchant, prisma }) => {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: merchant.headers,
        payload: { ...GOLD, capture_mode: 'LATER', capture_delay_seconds: TWO_DAYS },
      });
      expectStatus(created, 201);
      const plan = created.json<PlanBody>();
      expect(plan.latest_version).toMatchObject({ capture_mode: 'LATER', capture_delay_seconds: TWO_DAYS });

      const v2 = await app.inject({
        method: 'POST',
        url: `/v1/plans/${plan.id}/versions`,
        headers: merchant.headers,
        payload: {
          amount: 9900,
          interval: 'MONTH',
          capture_mode: 'LATER',
          capture_delay_seconds: 27 * 86_400,
        },
      });
      expectStatus(v2, 201);
      expect(v2.json()).toMatchObject({
        version: 2,
        capture_mode: 'LATER',
        capture_delay_seconds: 27 * 86_400,
      });

      const rows = await prisma.planVersion.findMany({
        where: { planId: plan.id },
        orderBy: { version: 'asc' },
      });
      expect(rows.map((r) => [r.captureMode, r.captureDelaySeconds])).toEqual([
        ['LATER', TWO_DAYS],
        ['LATER', 27 * 86_400],
      ]);
      const read = await app.inject({
        method: 'GET',
        url: `/v1/plans/${plan.id}`,
        headers: merchant.headers,
      });
      expect(read.json<PlanBody>().versions.map((v) => (v as Record<string, unknown>).capture_mode)).toEqual([
        'LATER',
        'LATER',
      ]);
    },
  );

  const invalid: [string, Record<string, unknown>, string][] = [
    ['NOW with a delay', { capture_mode: 'NOW', capture_delay_seconds: 60 }, 'capture_delay_seconds'],
    ['a delay without a mode (NOW)', { capture_delay_seconds: 60 }, 'capture_delay_seconds'],
    [
      'LATER over 27 days',
      { capture_mode: 'LATER', capture_delay_seconds: 27 * 86_400 + 1 },
      'capture_delay_seconds',
    ],
    ['a negative delay', { capture_mode: 'LATER', capture_delay_seconds: -1 }, 'capture_delay_seconds'],
    ['a fractional delay', { capture_mode: 'LATER', capture_delay_seconds: 1.5 }, 'capture_delay_seconds'],
    ['an unknown mode', { capture_mode: 'SOMETIME' }, 'capture_mode'],
  ];

  for (const [name, change, field] of invalid) {
    apiTest(`names ${field} for ${name} (plan and version)`, async ({ app, merchant }) => {
      const plan = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: merchant.headers,
        payload: { ...GOLD, ...change },
      });
      expectInvalidFields(plan, [field]);

      const base = (
        await app.inject({ method: 'POST', url: '/v1/plans', headers: merchant.headers, payload: GOLD })
      ).json<PlanBody>();
      const version = await app.inject({
        method: 'POST',
        url: `/v1/plans/${base.id}/versions`,
        headers: merchant.headers,
        payload: { amount: 9900, interval: 'MONTH', ...change },
      });
      expectInvalidFields(version, [field]);
    });
  }
});
