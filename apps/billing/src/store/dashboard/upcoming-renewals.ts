// Renewals coming due, per local date and currency: how many and how much. A renewal's date is
// its local date in the subscription's own zone (the zone its periods are billed in), or in one
// zone the caller names (e.g. the merchant's, for a report): the same instant is Tuesday in
// Auckland and Monday in Los Angeles. A renewal already due (not run yet) counts on today's date.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { sweepKeyRange } from '../next-actions.js';
import { forScope, toNumber, type DashboardScope } from './merchant-scope.js';

export interface UpcomingRenewalDay {
  /** Local date, YYYY-MM-DD. */
  readonly date: string;
  readonly currency: string;
  readonly count: number;
  /** The price of the plan version billing the next period, summed; minor units. */
  readonly amountMinor: number;
}

export interface UpcomingRenewalsQuery extends DashboardScope {
  readonly now: Date;
  /** Renewals due before now + days × 24 h. */
  readonly days: number;
  /** IANA zone for every date; omitted: each subscription's own zone. */
  readonly zone?: string | undefined;
}

// A lease pushes a row's sweep index key past its nextActionAt by at most the sweep's lease: the
// index range reads this much further and the exact condition filters.
const LEASE_MARGIN = Prisma.sql`interval '1 day'`;

export async function upcomingRenewalsByDay(db: Db, q: UpcomingRenewalsQuery): Promise<UpcomingRenewalDay[]> {
  const rows = await db.$queryRaw<{ date: string; currency: string; n: bigint; amount: bigint | null }[]>(
    upcomingRenewalsQuery(q),
  );
  return rows.map((r) => ({
    date: r.date,
    currency: r.currency,
    count: toNumber(r.n),
    amountMinor: toNumber(r.amount),
  }));
}

export function upcomingRenewalsQuery(q: UpcomingRenewalsQuery): Prisma.Sql {
  const until = new Date(q.now.getTime() + q.days * 86_400_000);
  // SubscriptionNextAction_sweep_idx per merchant, the scheduler's range with a later bound.
  const due = forScope(
    q,
    (merchantId) => Prisma.sql`
      SELECT s.id, s.currency, s."timeZone", n."dueAt" AS "nextActionAt", s."periodIndex", s."paidThroughPeriodIndex"
      FROM "SubscriptionNextAction" n JOIN "Subscription" s ON s.id = n."subscriptionId"
      WHERE ${sweepKeyRange(Prisma.sql`${merchantId}`, { before: Prisma.sql`${until}::timestamptz + ${LEASE_MARGIN}` })}
        AND n."dueAt" < ${until}::timestamptz
        AND n.kind IN ('RENEWAL', 'TRIAL_END')`,
  );
  const zone = q.zone === undefined ? Prisma.sql`d."timeZone"` : Prisma.sql`${q.zone}::text`;
  // Counted per plan version first, priced after: PlanVersion is joined to a few groups rather than
  // probed once per renewal. What stays is one phase probe (unique index) per renewal in the window.
  return Prisma.sql`
    SELECT g.date, g.currency, sum(g.n)::bigint AS n, sum(g.n * v."amountMinor")::bigint AS amount
    FROM (
      SELECT to_char((GREATEST(d."nextActionAt", ${q.now}::timestamptz) AT TIME ZONE ${zone})::date, 'YYYY-MM-DD') AS date,
        d.currency, p."planVersionId", count(*) AS n
      FROM ${due} d
      -- The phase billing the next period (a pending plan change included), as the engine picks it.
      LEFT JOIN LATERAL (
        SELECT ph."planVersionId" FROM "SubscriptionPhase" ph
        WHERE ph."subscriptionId" = d.id
          AND ph."firstPeriodIndex" <= COALESCE(d."paidThroughPeriodIndex" + 1, d."periodIndex")
        ORDER BY ph."firstPeriodIndex" DESC LIMIT 1
      ) p ON TRUE
      GROUP BY 1, 2, 3) g
    LEFT JOIN "PlanVersion" v ON v.id = g."planVersionId"
    GROUP BY 1, 2 ORDER BY 1, 2`;
}
