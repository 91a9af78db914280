// The ledger survives restarts when a file is configured: two sandbox instances, one file.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import type { LedgerResponse } from '../testing/types.js';
import { Ledger, type LedgerEntry } from './ledger.js';

let dir: string;
let file: string;
const running: TestSandbox[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-ledger-'));
  file = join(dir, 'nested', 'ledger.jsonl');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((sb) => sb.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(ledgerFile: string | null = file): Promise<TestSandbox> {
  const sb = await startSandbox(ledgerFile === null ? {} : { ledgerFile });
  running.push(sb);
  return sb;
}

async function chargeMany(sb: TestSandbox, n: number, prefix: string): Promise<void> {
  const token = await mintToken(sb);
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      sb.authorize(bodies.cnpCharge(100 + i, `${prefix}-${i}`), {
        'Klarna-Customer-Token': token,
        'Klarna-Idempotency-Key': `${prefix}-key-${i}`,
      }),
    ),
  );
}

const fileLines = async (): Promise<LedgerEntry[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LedgerEntry);

describe('ledger persistence', () => {
  it('a second instance on the same file sees the first one’s transactions and appends after them', async () => {
    const first = await start();
    await chargeMany(first, 50, 'one');
    const before = first.state.ledger.query();
    await first.close();
    running.splice(running.indexOf(first), 1);

    expect((await fileLines()).map((e) => e.payment_transaction_id)).toEqual(
      before.map((e) => e.payment_transaction_id),
    );

    const second = await start();
    const reloaded = await second.sim<LedgerResponse>('GET', '/ledger?reference=one-7');
    expect(reloaded.body.entries).toEqual([
      expect.objectContaining({ amount: 107, idempotency_key: 'one-key-7' }),
    ]);
    expect(second.state.ledger.size).toBe(50);

    await chargeMany(second, 10, 'two');
    await second.close();
    running.splice(running.indexOf(second), 1);
    const lines = await fileLines();
    expect(lines).toHaveLength(60);
    expect(lines.slice(0, 50)).toEqual(before);
  });

  it('writes in the order transactions were authorized', async () => {
    const sb = await start();
    await chargeMany(sb, 200, 'order');
    const inMemory = sb.state.ledger.query().map((e) => e.payment_transaction_id);
    await sb.state.ledger.close();
    expect((await fileLines()).map((e) => e.payment_transaction_id)).toEqual(inMemory);
  });

  it('reset keeps the file unless asked; clear_ledger truncates it', async () => {
    const sb = await start();
    await chargeMany(sb, 3, 'r');
    await sb.sim('POST', '/reset');
    expect(sb.state.ledger.size).toBe(3);
    await sb.sim('POST', '/reset', { clear_ledger: true });
    expect(sb.state.ledger.size).toBe(0);
    await chargeMany(sb, 2, 'after');
    await sb.state.ledger.close();
    expect((await fileLines()).map((e) => e.payment_transaction_reference)).toEqual(['after-0', 'after-1']);
  });

  it('skips an unreadable (half-written) last line and continues on a fresh line', async () => {
    const seed = await Ledger.open({ file });
    const entry: LedgerEntry = {
      payment_transaction_id: 'krn:payment:eu1:transaction:seed',
      account_id: 'krn:partner:global:account:test:M',
      payment_transaction_reference: 'seed',
      amount: 1,
      currency: 'EUR',
      customer_token: null,
      idempotency_key: null,
      scenario: 'cnp_charge',
      state: 'AUTHORIZED',
      captured_amount: 0,
      refunded_amount: 0,
      released_amount: 0,
      payment_capture_id: null,
      captures: [],
      refunds: [],
      authorized_at: '2026-01-01T00:00:00.000Z',
    };
    seed.append(entry);
    await seed.close();
    await writeFile(file, `${await readFile(file, 'utf8')}{"payment_transaction_id":"half`, { flag: 'w' });

    const reopened = await Ledger.open({ file });
    expect(reopened.query()).toEqual([entry]);
    reopened.append({ ...entry, payment_transaction_reference: 'next' });
    await reopened.close();
    const again = await Ledger.open({ file });
    expect(again.query().map((e) => e.payment_transaction_reference)).toEqual(['seed', 'next']);
    await again.close();
  });

  it('keeps captures at authorization across a restart', async () => {
    const first = await start();
    const token = await mintToken(first);
    const body = bodies.cnpCharge(999, 'captured');
    await first.authorize(
      { ...body, request_payment_transaction: { ...body.request_payment_transaction, capture: 'NOW' } },
      { 'Klarna-Customer-Token': token },
    );
    const [written] = first.state.ledger.query();
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start();

    expect(written).toMatchObject({ state: 'COMPLETED', captured_amount: 999 });
    expect(second.state.ledger.query()).toEqual([written]);
  });

  it('loads lines written before captures were recorded as authorized and uncaptured', async () => {
    const before = {
      payment_transaction_id: 'krn:payment:eu1:transaction:old',
      account_id: 'krn:partner:global:account:test:M',
      payment_transaction_reference: 'old',
      amount: 500,
      currency: 'SEK',
      customer_token: 'krn:customer-token:eu1:old',
      idempotency_key: 'old-key',
      scenario: 'cnp_charge',
      authorized_at: '2026-01-01T00:00:00.000Z',
    };
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(before)}\n`);

    const ledger = await Ledger.open({ file });

    expect(ledger.query()).toEqual([
      {
        ...before,
        state: 'AUTHORIZED',
        captured_amount: 0,
        refunded_amount: 0,
        released_amount: 0,
        payment_capture_id: null,
        captures: [],
        refunds: [],
      },
    ]);
    await ledger.close();
  });

  it('without a file the ledger lives in memory only', async () => {
    const sb = await start(null);
    await chargeMany(sb, 2, 'mem');
    expect(sb.state.ledger.size).toBe(2);
    await expect(readFile(file, 'utf8')).rejects.toThrow();
  });
});
