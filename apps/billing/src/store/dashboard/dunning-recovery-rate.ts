// Dunning recovery over a window. An episode is an invoice whose first renewal attempt was
// declined (the subscription entered dunning then); it ends when the invoice is paid (recovered),
// or marked uncollectible or voided (given up: dunning ran out, or the subscription ended). The
// rate is recovered / (recovered + given up): episodes still open are counted but not rated yet,
// so a fresh window does not read as a bad one.
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import { forScope, toNumber, type DashboardScope } from './merchant-scope.js';

export interface DunningRecovery {
  readonly entered: number;
  readonly recovered: number;
  readonly gaveUp: number;
  readonly stillOpen: number;
  /** recovered / (recovered + gaveUp); null when no episode has ended. */
  readonly rate: number | null;
}

export interface DunningRecoveryQuery extends DashboardScope {
  /** Episodes whose first declined attempt was made in [from, to). */
  readonly from: Date;
  readonly to: Date;
}

export async function dunningRecoveryRate(db: Db, q: DunningRecoveryQuery): Promise<DunningRecovery> {
  const [row] = await db.$queryRaw<{ entered: bigint; recovered: bigint; gave_up: bigint; open: bigint }[]>(
    dunningRecoveryQuery(q),
  );
  const recovered = toNumber(row?.recovered ?? 0);
  const gaveUp = toNumber(row?.gave_up ?? 0);
  return {
    entered: toNumber(row?.entered ?? 0),
    recovered,
    gaveUp,
    stillOpen: toNumber(row?.open ?? 0),
    rate: recovered + gaveUp === 0 ? null : recovered / (recovered + gaveUp),
  };
}

export function dunningRecoveryQuery(q: DunningRecoveryQuery): Prisma.Sql {
  // ChargeAttempt_merchantId_createdAt_id_idx per merchant, then each episode's invoice by id.
  const opened = forScope(
    q,
    (merchantId) => Prisma.sql`
      SELECT a."invoiceId" FROM "ChargeAttempt" a
      WHERE a."merchantId" = ${merchantId}
        AND a."createdAt" >= ${q.from}::timestamptz AND a."createdAt" < ${q.to}::timestamptz
        AND a."attemptNumber" = 1 AND a.kind = 'CUSTOMER_NOT_PRESENT' AND a.status = 'DECLINED'`,
  );
  return Prisma.sql`
    SELECT count(*) AS entered,
      count(*) FILTER (WHERE i.status = 'PAID') AS recovered,
      count(*) FILTER (WHERE i.status IN ('UNCOLLECTIBLE', 'VOID')) AS gave_up,
      count(*) FILTER (WHERE i.status = 'OPEN') AS open
    FROM ${opened} o JOIN "Invoice" i ON i.id = o."invoiceId"`;
}
