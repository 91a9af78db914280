// The run's figures, read at the moment from where they are true: Rebill's database (what Rebill
// recorded for the demo merchant) and the sandbox's ledger (what Klarna-side moved). Nothing here
// comes from counters the script kept.
import pg from 'pg';
import type { SandboxSim } from '../http/sandbox-sim.js';

export interface RebillFigures {
  readonly subscriptionsByStatus: Readonly<Record<string, number>>;
  /** Approved payment transactions (signups and renewals). */
  readonly charges: number;
  /** Charges of renewals and dunning retries (customer not present). */
  readonly renewals: number;
  /** Renewal attempts Klarna declined. */
  readonly declines: number;
  /** Renewal attempts after the first for their period (dunning retries). */
  readonly retries: number;
  /** Renewals paid by a retry after a decline. */
  readonly recovered: number;
  readonly canceled: number;
  /** Refunds Klarna confirmed. */
  readonly refunds: number;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
}

export interface LedgerFigures {
  readonly transactions: number;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
}

const FIGURES_SQL = `
  SELECT
    (SELECT count(*) FROM "Charge" WHERE "merchantId" = $1)::int AS charges,
    (SELECT count(*) FROM "Charge" c JOIN "ChargeAttempt" a ON a.id = c."attemptId"
      WHERE c."merchantId" = $1 AND a.kind = 'CUSTOMER_NOT_PRESENT')::int AS renewals,
    (SELECT count(*) FROM "ChargeAttempt"
      WHERE "merchantId" = $1 AND kind = 'CUSTOMER_NOT_PRESENT' AND status = 'DECLINED')::int AS declines,
    (SELECT count(*) FROM "ChargeAttempt"
      WHERE "merchantId" = $1 AND kind = 'CUSTOMER_NOT_PRESENT' AND "attemptNumber" > 1)::int AS retries,
    (SELECT count(*) FROM "Charge" c JOIN "ChargeAttempt" a ON a.id = c."attemptId"
      WHERE c."merchantId" = $1 AND a.kind = 'CUSTOMER_NOT_PRESENT' AND a."attemptNumber" > 1)::int AS recovered,
    (SELECT count(*) FROM "Refund" WHERE "merchantId" = $1 AND status = 'SUCCEEDED')::int AS refunds,
    (SELECT coalesce(sum("capturedMinor"), 0) FROM "Charge" WHERE "merchantId" = $1)::int AS captured,
    (SELECT coalesce(sum("amountMinor"), 0) FROM "Refund"
      WHERE "merchantId" = $1 AND status = 'SUCCEEDED')::int AS refunded`;

export class FigureReader {
  private constructor(
    private readonly client: pg.Client,
    private readonly merchantId: string,
  ) {}

  static async open(databaseUrl: string, merchantId: string): Promise<FigureReader> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new FigureReader(client, merchantId);
  }

  async rebill(): Promise<RebillFigures> {
    const statuses = await this.client.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM "Subscription" WHERE "merchantId" = $1 GROUP BY status ORDER BY status',
      [this.merchantId],
    );
    const { rows } = await this.client.query<Record<string, number>>(FIGURES_SQL, [this.merchantId]);
    const row = rows[0] ?? {};
    const subscriptionsByStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
    return {
      subscriptionsByStatus,
      charges: row.charges ?? 0,
      renewals: row.renewals ?? 0,
      declines: row.declines ?? 0,
      retries: row.retries ?? 0,
      recovered: row.recovered ?? 0,
      canceled: subscriptionsByStatus.CANCELED ?? 0,
      refunds: row.refunds ?? 0,
      capturedMinor: row.captured ?? 0,
      refundedMinor: row.refunded ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

export async function ledgerFigures(sim: SandboxSim, accountId: string): Promise<LedgerFigures> {
  const entries = await sim.ledger(accountId);
  return {
    transactions: entries.length,
    capturedMinor: entries.reduce((sum, e) => sum + e.captured_amount, 0),
    refundedMinor: entries.reduce((sum, e) => sum + e.refunded_amount, 0),
  };
}
