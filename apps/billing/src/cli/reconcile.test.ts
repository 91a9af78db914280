// `rebill reconcile`'s arguments and its polite reads, with a scripted gateway (no server). The
// command against the real sandbox and database: test/klarna-reconcile/reconcile.test.ts.
import { describe, expect, it } from 'vitest';
import type {
  PaymentTransactionsGateway,
  ReadTransactionOutcome,
  TransactionView,
} from '../klarna/money-port.js';
import { parseReconcileArgs, readForReconcile } from './reconcile.js';

const MERCHANT = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

describe('parseReconcileArgs', () => {
  it.each<[string[], ReturnType<typeof parseReconcileArgs>]>([
    [[], { kind: 'options', options: {} }],
    [['--merchant', MERCHANT], { kind: 'options', options: { merchantId: MERCHANT } }],
    [
      ['--since', '2026-03-01', '--merchant', MERCHANT],
      { kind: 'options', options: { merchantId: MERCHANT, since: new Date('2026-03-01T00:00:00.000Z') } },
    ],
    [
      ['--since', '2026-03-01T12:00:00Z'],
      { kind: 'options', options: { since: new Date('2026-03-01T12:00:00.000Z') } },
    ],
    [['--merchant'], { kind: 'usage_error', message: '--merchant needs a value' }],
    [['--merchant', 'acme'], { kind: 'usage_error', message: '--merchant takes a merchant id (uuid)' }],
    [
      ['--since', 'yesterday'],
      { kind: 'usage_error', message: '--since takes an ISO date, e.g. 2026-03-01' },
    ],
    [
      ['--since', '2026-13-45'],
      { kind: 'usage_error', message: '--since takes an ISO date, e.g. 2026-03-01' },
    ],
    [['--all', 'x'], { kind: 'usage_error', message: 'unknown option "--all"' }],
  ])('%j', (argv, expected) => {
    expect(parseReconcileArgs(argv)).toEqual(expected);
  });
});

const view: TransactionView = {
  paymentTransactionId: 'tx1',
  reference: null,
  state: 'COMPLETED',
  amountMinor: 1000,
  currency: 'EUR',
  expiresAt: null,
  capturedMinor: 1000,
  refundedMinor: 200,
  releasedMinor: 0,
  captures: [],
  refunds: [],
};

function scripted(outcomes: ReadTransactionOutcome[]) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const gateway = {
    readTransaction: (input: { paymentTransactionId: string }) => {
      calls.push(input.paymentTransactionId);
      const next = outcomes.shift();
      return next === undefined ? Promise.reject(new Error('no more answers')) : Promise.resolve(next);
    },
  } as unknown as PaymentTransactionsGateway;
  const deps = {
    transactions: gateway,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  return { deps, calls, sleeps };
}

const call = { accountId: 'acct', paymentTransactionId: 'tx1' };
const read: ReadTransactionOutcome = { kind: 'read', transaction: view, correlationId: null };
const rateLimited = (retryAfterMs: number | null): ReadTransactionOutcome => ({
  kind: 'rate_limited',
  retryAfterMs,
  correlationId: null,
});
const transient: ReadTransactionOutcome = {
  kind: 'transient',
  reason: 'SERVER_ERROR',
  status: 503,
  correlationId: null,
};
const READ = {
  kind: 'read',
  state: 'COMPLETED',
  currency: 'EUR',
  capturedMinor: 1000,
  refundedMinor: 200,
  releasedMinor: 0,
};

describe('readForReconcile', () => {
  it('reads the transaction', async () => {
    const s = scripted([read]);
    expect(await readForReconcile(s.deps, call)).toEqual(READ);
    expect(s.sleeps).toEqual([]);
  });

  it('a 429 waits its Retry-After (1 s when absent), then reads again', async () => {
    const s = scripted([rateLimited(2500), rateLimited(null), read]);
    expect(await readForReconcile(s.deps, call)).toEqual(READ);
    expect(s.sleeps).toEqual([2500, 1000]);
    expect(s.calls).toHaveLength(3);
  });

  it('gives up after ten 429s in a row: unreadable', async () => {
    const s = scripted(Array.from({ length: 10 }, () => rateLimited(100)));
    expect(await readForReconcile(s.deps, call)).toEqual({ kind: 'unreadable', reason: 'rate_limited' });
    expect(s.sleeps).toHaveLength(9);
  });

  it('transient failures are read again twice, then reported', async () => {
    const s = scripted([transient, transient, read]);
    expect(await readForReconcile(s.deps, call)).toEqual(READ);
    expect(s.sleeps).toEqual([500, 2000]);
    const t = scripted([transient, transient, transient]);
    expect(await readForReconcile(t.deps, call)).toEqual({
      kind: 'unreadable',
      reason: 'transient:SERVER_ERROR',
    });
  });

  it('404 is not_found, another 4xx unreadable at once', async () => {
    expect(await readForReconcile(scripted([{ kind: 'not_found', correlationId: null }]).deps, call)).toEqual(
      {
        kind: 'not_found',
      },
    );
    const permanent: ReadTransactionOutcome = {
      kind: 'permanent',
      status: 401,
      errorCode: null,
      errorId: null,
      parameters: [],
      correlationId: null,
    };
    expect(await readForReconcile(scripted([permanent]).deps, call)).toEqual({
      kind: 'unreadable',
      reason: 'permanent:401',
    });
  });
});
