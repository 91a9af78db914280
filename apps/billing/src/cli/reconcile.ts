// `rebill reconcile [--merchant <id>] [--since <ISO date>]`: every charge (all merchants or one,
// all time or created since), in keyset pages, read from Klarna on the merchant's partner account
// and compared (money/reconcile.ts). Prints one line per difference and the summary line
// `reconciled N transactions: M differences`. Exit codes: 0 no difference, 1 any, 2 bad usage.
// Reads go politely: a few at a time, a 429 waits its Retry-After, a transient failure is tried
// again a couple of times, then reported as unreadable. Nothing is written.
import { pino } from 'pino';
import { baseConfigSchema, parseConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { systemClock } from '../domain/index.js';
import { KlarnaPaymentTransactions } from '../klarna/klarna-payment-transactions.js';
import type { PaymentTransactionsGateway, TransactionCall } from '../klarna/money-port.js';
import {
  formatReconciliation,
  Reconciler,
  type KlarnaTransaction,
  type RebillTransaction,
} from '../money/reconcile.js';
import { klarnaHttpFor } from '../roles/process-deps.js';
import { reconcilableCharges, type ReconcilableCharge } from '../store/charge-lookups.js';
import type { Db } from '../store/db.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';

export const RECONCILE_USAGE = `Usage: rebill reconcile [--merchant <merchant id>] [--since <ISO date>]

  Reads every charge's payment transaction from Klarna and compares the captured, refunded and
  released amounts and the state, then the totals per merchant and currency. Prints the
  differences and "reconciled N transactions: M differences"; exits 1 when there is any.
`;

export interface ReconcileOptions {
  readonly merchantId?: string;
  readonly since?: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseReconcileArgs(
  argv: readonly string[],
): { kind: 'options'; options: ReconcileOptions } | { kind: 'usage_error'; message: string } {
  let merchantId: string | undefined;
  let since: Date | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (value === undefined) return { kind: 'usage_error', message: `${flag} needs a value` };
    switch (flag) {
      case '--merchant':
        if (!UUID.test(value))
          return { kind: 'usage_error', message: '--merchant takes a merchant id (uuid)' };
        merchantId = value;
        break;
      case '--since': {
        const at = Date.parse(value);
        if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(at)) {
          return { kind: 'usage_error', message: '--since takes an ISO date, e.g. 2026-03-01' };
        }
        since = new Date(at);
        break;
      }
      default:
        return { kind: 'usage_error', message: `unknown option "${flag}"` };
    }
  }
  return {
    kind: 'options',
    options: {
      ...(merchantId === undefined ? {} : { merchantId }),
      ...(since === undefined ? {} : { since }),
    },
  };
}

export interface ReconcileDeps {
  readonly db: Db;
  readonly transactions: PaymentTransactionsGateway;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => unknown;
  /** Charges per page (keyset), and reads at once. */
  readonly pageSize?: number;
  readonly concurrency?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_CONCURRENCY = 4;
/** A 429 without Retry-After waits this long; 429s in a row give up after this many reads. */
const RATE_LIMIT_WAIT_MS = 1_000;
const MAX_RATE_LIMITED_READS = 10;
/** Transient failures (5xx, timeouts) are read again after these waits, then reported. */
const TRANSIENT_WAITS_MS = [500, 2_000] as const;

/** One transaction as Klarna has it, after polite retries. */
export async function readForReconcile(
  deps: Pick<ReconcileDeps, 'transactions' | 'sleep'>,
  call: TransactionCall,
): Promise<KlarnaTransaction> {
  let rateLimited = 0;
  let transient = 0;
  for (;;) {
    const outcome = await deps.transactions.readTransaction(call);
    switch (outcome.kind) {
      case 'read': {
        const t = outcome.transaction;
        return {
          kind: 'read',
          state: t.state,
          currency: t.currency,
          capturedMinor: t.capturedMinor,
          refundedMinor: t.refundedMinor,
          releasedMinor: t.releasedMinor,
        };
      }
      case 'not_found':
        return { kind: 'not_found' };
      case 'rate_limited':
        rateLimited += 1;
        if (rateLimited >= MAX_RATE_LIMITED_READS) return { kind: 'unreadable', reason: 'rate_limited' };
        await deps.sleep(outcome.retryAfterMs ?? RATE_LIMIT_WAIT_MS);
        break;
      case 'transient': {
        const wait = TRANSIENT_WAITS_MS[transient];
        transient += 1;
        if (wait === undefined) return { kind: 'unreadable', reason: `transient:${outcome.reason}` };
        await deps.sleep(wait);
        break;
      }
      case 'permanent':
        return { kind: 'unreadable', reason: `permanent:${outcome.status}` };
    }
  }
}

const rebillSide = (charge: ReconcilableCharge): RebillTransaction => ({
  merchantId: charge.merchantId,
  paymentTransactionId: charge.klarnaTransactionId,
  currency: charge.currency,
  state: charge.state,
  capturedMinor: charge.capturedMinor,
  refundedMinor: charge.refundedMinor,
  releasedMinor: charge.releasedMinor,
});

/** Runs `work` over `items` with at most `limit` at once; results in the items' order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reconciles and prints the report; returns the exit code (0 none, 1 any difference). */
export async function runReconcile(deps: ReconcileDeps, options: ReconcileOptions): Promise<number> {
  const reconciler = new Reconciler();
  const limit = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  let after: string | undefined;
  for (;;) {
    const page = await reconcilableCharges(deps.db, {
      ...options,
      limit,
      ...(after === undefined ? {} : { after }),
    });
    const read = await mapLimited(page, deps.concurrency ?? DEFAULT_CONCURRENCY, (charge) =>
      readForReconcile(deps, {
        accountId: charge.accountId,
        paymentTransactionId: charge.klarnaTransactionId,
      }),
    );
    page.forEach((charge, i) => {
      const klarna = read[i];
      if (klarna !== undefined) reconciler.add(rebillSide(charge), klarna);
    });
    after = page.at(-1)?.id;
    if (page.length < limit || after === undefined) break;
  }
  const result = reconciler.result();
  deps.stdout(`${formatReconciliation(result)}\n`);
  return result.differences.length === 0 ? 0 : 1;
}

/** `rebill reconcile ...` with this process's own database connection and Klarna client. */
export async function runReconcileCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseReconcileArgs(argv);
  if (parsed.kind === 'usage_error') {
    process.stderr.write(`rebill reconcile: ${parsed.message}\n\n${RECONCILE_USAGE}`);
    return 2;
  }
  const config = parseConfig(baseConfigSchema, env);
  const log = createLogger({
    level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    name: 'cli',
    destination: pino.destination({ fd: 2, sync: true }),
  });
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  // Retry-After is read against wall time: the waits are real, whatever the billing clock says.
  const http = klarnaHttpFor(config, log, systemClock);
  try {
    return await runReconcile(
      {
        db,
        transactions: new KlarnaPaymentTransactions(http),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        stdout: (text) => process.stdout.write(text),
      },
      parsed.options,
    );
  } finally {
    await http.close();
    await disconnect(db);
  }
}
