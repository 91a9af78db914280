// The ledger view of transactions (SIM-ONLY): state and money fields kept current by every
// operation, appended as operation lines and folded back on reload into the same view.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import { authorizedTransaction, lineItems, txClient } from '../testing/transactions.js';
import type { LedgerResponse } from '../testing/types.js';

const DAY_MS = 86_400_000;

let dir: string;
let file: string;
const running: TestSandbox[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-tx-ledger-'));
  file = join(dir, 'ledger.jsonl');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((sb) => sb.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<TestSandbox> {
  const sb = await startSandbox({ ledgerFile: file });
  running.push(sb);
  return sb;
}

/** Every kind of operation on four transactions. */
async function busyDay(sb: TestSandbox): Promise<string[]> {
  const api = txClient(sb);
  const a = await authorizedTransaction(sb, { amount: 1000, reference: 'a' });
  const c1 = await api.capture(a, { amount: 400, payment_capture_reference: 'a-1' });
  await api.capture(a, { amount: 600 });
  await api.refundCapture(a, c1.body.payment_capture_id, { amount: 100, payment_refund_reference: 'a-r1' });
  await api.refund(a, { amount: 350, line_items: lineItems });
  const b = await authorizedTransaction(sb, { amount: 500, reference: 'b' });
  await api.capture(b, { amount: 200 });
  await api.void(b);
  const c = await authorizedTransaction(sb, { amount: 300, reference: 'c' });
  const d = await authorizedTransaction(sb, { amount: 700, reference: 'd', captureNow: true });
  await api.refundCapture(d, `${d}:capture:1`, { amount: 700 });
  await sb.deps.clock.advance(36 * DAY_MS);
  return [a, b, c, d];
}

describe('transactions in the ledger', () => {
  it('every entry shows state, money fields, captures and refunds, kept current', async () => {
    const sb = await start();
    const [a, b, c, d] = await busyDay(sb);

    const entries = (await sb.sim<LedgerResponse>('GET', '/ledger')).body.entries;
    const byId = new Map(entries.map((e) => [e.payment_transaction_id, e]));
    expect(byId.get(a ?? '')).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 1000,
      refunded_amount: 450,
      released_amount: 0,
      payment_capture_id: `${a}:capture:1`,
      captures: [
        { payment_capture_reference: 'a-1', amount: 400, refunded_amount: 400 },
        { payment_capture_reference: null, amount: 600, refunded_amount: 50 },
      ],
      refunds: [
        { payment_refund_reference: 'a-r1', payment_capture_id: `${a}:capture:1`, amount: 100 },
        { payment_capture_id: null, amount: 350 },
      ],
    });
    expect(byId.get(b ?? '')).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 200,
      released_amount: 300,
    });
    expect(byId.get(c ?? '')).toMatchObject({ state: 'CLOSED', captured_amount: 0, released_amount: 300 });
    expect(byId.get(d ?? '')).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 700,
      refunded_amount: 700,
    });

    const one = await sb.sim<LedgerResponse>(
      'GET',
      `/ledger?payment_transaction_id=${encodeURIComponent(b ?? '')}`,
    );
    expect(one.body.entries.map((e) => e.payment_transaction_id)).toEqual([b]);

    // The ledger and the transaction API agree.
    const read = await txClient(sb).read(a ?? '');
    expect(read.body.payment_captures).toEqual(byId.get(a ?? '')?.captures);
  });

  it('the file stays append-only and a reload reproduces the same view', async () => {
    const first = await start();
    await busyDay(first);
    const view = (await first.sim<LedgerResponse>('GET', '/ledger')).body;
    await first.close();
    running.splice(0);

    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    // 4 authorization lines (d's NOW capture inside its own); 3 captures, 3 refunds, 1 void, c's
    // expiry and closing as operation lines.
    expect(lines.filter((l) => !l.includes('"op"'))).toHaveLength(4);
    expect(lines.filter((l) => l.includes('"op"'))).toHaveLength(9);

    const second = await start();
    expect((await second.sim<LedgerResponse>('GET', '/ledger')).body).toEqual(view);
  });
});
