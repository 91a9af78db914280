// Charge attempts per day by outcome, for the dashboard's chart: approved, declined (by decline
// reason), failed, unknown, and still pending. An attempt counts on the local date (in `zone`) it
// was made.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { forScope, toNumber, type DashboardScope } from './merchant-scope.js';

export interface ChargeOutcomeDay {
  /** Local date, YYYY-MM-DD. */
  readonly date: string;
  readonly approved: number;
  /** Declines by Klarna's decline reason (or Rebill's, e.g. TOKEN_NOT_USABLE); "UNSPECIFIED" without one. */
  readonly declined: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly unknown: number;
  /** Not answered yet, or a signup waiting on the customer's step-up. */
  readonly pending: number;
}

export interface ChargeOutcomesQuery extends DashboardScope {
  /** Attempts made in [from, to). */
  readonly from: Date;
  readonly to: Date;
  /** IANA zone of the day buckets. */
  readonly zone: string;
}

export async function chargeOutcomesOverTime(db: Db, q: ChargeOutcomesQuery): Promise<ChargeOutcomeDay[]> {
  const rows = await db.$queryRaw<{ date: string; status: string; reason: string | null; n: bigint }[]>(
    chargeOutcomesQuery(q),
  );
  const days = new Map<
    string,
    { approved: number; declined: Record<string, number>; failed: number; unknown: number; pending: number }
  >();
  for (const r of rows) {
    let day = days.get(r.date);
    if (day === undefined) {
      day = { approved: 0, declined: {}, failed: 0, unknown: 0, pending: 0 };
      days.set(r.date, day);
    }
    const n = toNumber(r.n);
    switch (r.status) {
      case 'APPROVED':
        day.approved += n;
        break;
      case 'DECLINED':
        day.declined[r.reason ?? 'UNSPECIFIED'] = n;
        break;
      case 'FAILED':
        day.failed += n;
        break;
      case 'UNKNOWN':
        day.unknown += n;
        break;
      default:
        day.pending += n;
    }
  }
  return [...days].map(([date, day]) => ({ date, ...day }));
}

export function chargeOutcomesQuery(q: ChargeOutcomesQuery): Prisma.Sql {
  // ChargeAttempt_merchantId_createdAt_id_idx per merchant: a range of the window's attempts.
  const attempts = forScope(
    q,
    (merchantId) => Prisma.sql`
      SELECT a."createdAt", a.status, a."declineReason" FROM "ChargeAttempt" a
      WHERE a."merchantId" = ${merchantId}
        AND a."createdAt" >= ${q.from}::timestamptz AND a."createdAt" < ${q.to}::timestamptz`,
  );
  return Prisma.sql`
    SELECT to_char((a."createdAt" AT TIME ZONE ${q.zone})::date, 'YYYY-MM-DD') AS date, a.status::text AS status,
      CASE WHEN a.status = 'DECLINED' THEN COALESCE(a."declineReason", 'UNSPECIFIED') END AS reason, count(*) AS n
    FROM ${attempts} a
    GROUP BY 1, 2, 3 ORDER BY 1`;
}
