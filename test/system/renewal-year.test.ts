// A simulated year of renewals on the shared virtual clock, with the scheduler and worker as real
// processes against the sandbox over HTTP. Anchors on the 29th, 30th and 31st, at a morning and a
// late-evening local time, in zones with and without DST (and one in the southern hemisphere),
// monthly and weekly. What each subscription should have been charged for comes from the table
// below (month lengths written out by hand, local wall-clock times read back with Intl), not
// from the billing-period code under test.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { signedUpSubscriptions, type SignedUp } from '../support/signed-up-subscriptions.js';
import { World, type Merchant } from './support/world.js';

/** Days in each month from December 2026 to December 2027, written out (2027 is not a leap year). */
const MONTHS: readonly (readonly [year: number, month: number, days: number])[] = [
  [2026, 12, 31], [2027, 1, 31], [2027, 2, 28], [2027, 3, 31], [2027, 4, 30], [2027, 5, 31], [2027, 6, 30],
  [2027, 7, 31], [2027, 8, 31], [2027, 9, 30], [2027, 10, 31], [2027, 11, 30], [2027, 12, 31],
  [2028, 1, 31],
]; // prettier-ignore
const ZONES = ['Europe/Stockholm', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'] as const;
const DAYS = [29, 30, 31] as const;
const TIMES = ['09:30', '23:45'] as const;
const PER_COMBINATION = Number(process.env.RENEWAL_YEAR_PER_COMBINATION ?? 8);
/** The simulation ends here (UTC): after the December 2027 periods. */
const END = new Date('2028-01-02T00:00:00Z');

const pad = (n: number) => String(n).padStart(2, '0');
const localFormat = (zone: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
/** An instant as `YYYY-MM-DD HH:mm` on the wall clock of `zone`, by Intl (not luxon, not the domain). */
function local(instant: Date, zone: string): string {
  const parts = Object.fromEntries(
    localFormat(zone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

interface Group {
  readonly zone: string;
  readonly expected: readonly string[];
  readonly subs: SignedUp[];
}

let world: World;
let db: Db;
let merchant: Merchant;
const groups: Group[] = [];

async function planVersion(body: Record<string, unknown>): Promise<string> {
  const res = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', { body });
  expect(res.status, res.text).toBe(201);
  const [row] = await world.sql<{ id: string }>('SELECT id FROM "PlanVersion" WHERE "planId" = $1', [
    res.body.id,
  ]);
  if (row === undefined) throw new Error('plan version');
  return row.id;
}

beforeAll(async () => {
  world = await World.start({ roles: ['api', 'scheduler', 'worker'], env: { WORKER_CONCURRENCY: '16' } });
  db = createPrismaClient({ databaseUrl: world.databaseUrl });
  merchant = await world.createMerchant();
  const monthly = await planVersion({
    code: 'monthly',
    name: 'Monthly',
    currency: 'EUR',
    amount: 1_000,
    interval: 'MONTH',
  });
  const weekly = await planVersion({
    code: 'weekly',
    name: 'Weekly',
    currency: 'EUR',
    amount: 250,
    interval: 'WEEK',
  });
  const at = new Date();
  for (const zone of ZONES) {
    for (const day of DAYS) {
      for (const time of TIMES) {
        const expected = MONTHS.map(([y, m, days]) => `${y}-${pad(m)}-${pad(Math.min(day, days))} ${time}`);
        const anchorAt = DateTime.fromISO(`${expected[0]?.replace(' ', 'T')}`, { zone }).toJSDate();
        const subs = await signedUpSubscriptions(db, world.sandbox, {
          merchantId: merchant.id,
          accountId: merchant.klarnaAccount,
          planVersionId: monthly,
          currency: 'EUR',
          anchors: Array.from({ length: PER_COMBINATION }, () => ({ anchorAt, timeZone: zone })),
          at,
        });
        groups.push({ zone, expected, subs });
      }
    }
  }
  // Weekly across both of New York's 2027 DST changes: the same local time every seventh day.
  const start = Date.UTC(2026, 11, 27); // Sunday 27 December 2026
  const weeks: string[] = [];
  for (let t = start; t < END.getTime() + 7 * 86_400_000; t += 7 * 86_400_000) {
    const d = new Date(t);
    weeks.push(`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} 07:15`);
  }
  const zone = 'America/New_York';
  const subs = await signedUpSubscriptions(db, world.sandbox, {
    merchantId: merchant.id,
    accountId: merchant.klarnaAccount,
    planVersionId: weekly,
    currency: 'EUR',
    anchors: Array.from({ length: 6 }, () => ({
      anchorAt: DateTime.fromISO(`${weeks[0]?.replace(' ', 'T')}`, { zone }).toJSDate(),
      timeZone: zone,
    })),
    at,
  });
  groups.push({ zone, expected: weeks, subs });
}, 300_000);

afterAll(async () => {
  await disconnect(db);
  await world?.stop();
});

describe('a simulated year of renewals', () => {
  it('charges every period once, on its local date and time, across month ends and DST', async () => {
    const startedAt = Date.now();
    // Advance in month-sized calls; each moves the shared clock step by step and waits for quiet.
    for (;;) {
      const [row] = await world.sql<{ at: Date }>(
        `SELECT ("offsetMs" || ' milliseconds')::interval + now() AS at FROM "ClockState" LIMIT 1`,
      );
      const at = row?.at ?? new Date();
      if (at.getTime() >= END.getTime()) break;
      const seconds = Math.ceil(Math.min(31 * 86_400_000, END.getTime() - at.getTime()) / 1000);
      // Three-day steps: a weekly period never sees two of its boundaries in one step (DST weeks
      // are 167 or 169 hours), and the year takes a third of the steps of the default day.
      await world.advanceClock(`PT${seconds}S`, 'P3D');
      console.log(`clock ${at.toISOString()} after ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    }
    console.log(`simulated year: ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);

    const ledger = await world.sandbox.sim<{
      entries: {
        payment_transaction_reference: string;
        state: string;
        captured_amount: number;
        amount: number;
      }[];
    }>('GET', '/ledger');
    const bySubscriptionPeriod = new Map<string, number>();
    for (const entry of ledger.body.entries) {
      const match = /^(.+)-p(\d+)-a\d+$/.exec(entry.payment_transaction_reference);
      if (match === null) continue;
      expect(entry.state).toBe('COMPLETED');
      expect(entry.captured_amount).toBe(entry.amount);
      const key = `${match[1]}#${match[2]}`;
      bySubscriptionPeriod.set(key, (bySubscriptionPeriod.get(key) ?? 0) + 1);
    }
    let renewals = 0;
    for (const group of groups) {
      for (const sub of group.subs) {
        const invoices = await world.sql<{ periodIndex: number; periodStart: Date; status: string }>(
          'SELECT "periodIndex", "periodStart", status FROM "Invoice" WHERE "subscriptionId" = $1 ORDER BY "periodIndex"',
          [sub.id],
        );
        // Every period that started by the end of the simulation, and no other.
        const due = group.expected.filter(
          (l) => DateTime.fromISO(l.replace(' ', 'T'), { zone: group.zone }).toMillis() <= END.getTime(),
        );
        expect(
          invoices.map((i) => local(i.periodStart, group.zone)),
          `${sub.id} in ${group.zone}`,
        ).toEqual(due);
        expect(invoices.every((i) => i.status === 'PAID')).toBe(true);
        for (const invoice of invoices) {
          expect(
            bySubscriptionPeriod.get(`${sub.id}#${invoice.periodIndex}`),
            `${sub.id} period ${invoice.periodIndex}`,
          ).toBe(1);
          renewals += 1;
        }
      }
    }
    const [skipped] = await world.sql<{ n: number }>('SELECT count(*)::int AS n FROM "SkippedPeriodRange"');
    expect(skipped?.n).toBe(0);
    console.log(
      `simulated year: ${renewals} renewals of ${groups.reduce((n, g) => n + g.subs.length, 0)} subscriptions`,
    );
  }, 900_000);
});
