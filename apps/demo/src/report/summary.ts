// The end of a run: a table of what Rebill's database and the sandbox's ledger say, side by side,
// and the same as one JSON line (`DEMO_SUMMARY {...}`) for scripts and the demo's test.
import type { LedgerFigures, RebillFigures } from './figures.js';

export interface DemoSummary {
  readonly seed: number;
  readonly customers: number;
  readonly months: number;
  readonly merchantId: string;
  readonly klarnaAccount: string;
  readonly currency: string;
  readonly rebill: RebillFigures;
  readonly ledger: LedgerFigures;
}

export const SUMMARY_PREFIX = 'DEMO_SUMMARY ';

export function summaryJsonLine(summary: DemoSummary): string {
  return `${SUMMARY_PREFIX}${JSON.stringify(summary)}`;
}

export function summaryTable(summary: DemoSummary): string {
  const { rebill, ledger, currency } = summary;
  const money = (minor: number) => `${currency} ${(minor / 100).toFixed(2)}`;
  const rows: [string, string, string][] = [
    ...Object.entries(rebill.subscriptionsByStatus).map(([status, n]): [string, string, string] => [
      `subscriptions ${status}`,
      String(n),
      '',
    ]),
    ['renewals charged', String(rebill.renewals), ''],
    ['renewals declined (attempts)', String(rebill.declines), ''],
    ['dunning retries', String(rebill.retries), ''],
    ['recovered by a retry', String(rebill.recovered), ''],
    ['approved transactions', String(rebill.charges), String(ledger.transactions)],
    ['captured', money(rebill.capturedMinor), money(ledger.capturedMinor)],
    [`refunded (${rebill.refunds} refunds)`, money(rebill.refundedMinor), money(ledger.refundedMinor)],
  ];
  const header: [string, string, string] = ['', 'Rebill (database)', 'Klarna (sandbox ledger)'];
  const widths = [0, 1, 2].map((col) => Math.max(...[header, ...rows].map((row) => row[col]?.length ?? 0)));
  const line = (row: [string, string, string]) =>
    `  ${row[0].padEnd(widths[0] ?? 0)}  ${row[1].padStart(widths[1] ?? 0)}  ${row[2].padStart(widths[2] ?? 0)}`.trimEnd();
  return [
    `Summary: seed ${summary.seed}, ${summary.customers} customers, ${
      summary.months === 0 ? 'on the system clock' : `${summary.months} months`
    }`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}
