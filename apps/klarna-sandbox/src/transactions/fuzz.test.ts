// Property: whatever a caller sends to the Payment Transaction API, the answer is a contract answer
// (2xx or a 4xx in the error format), never a 5xx; and the books always add up.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import { authorizedTransaction, txPath } from '../testing/transactions.js';
import type { ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
let ids: string[];
beforeAll(async () => {
  sb = await startSandbox({ logLevel: 'silent' });
  ids = [
    await authorizedTransaction(sb, { amount: 5000, reference: 'f1' }),
    await authorizedTransaction(sb, { amount: 300, reference: 'f2', captureNow: true }),
  ];
});
afterAll(async () => {
  await sb.close();
});

const junk = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.object());
const amount = fc.oneof(fc.integer({ min: -5, max: 3_000_000_000 }), fc.integer({ min: 1, max: 400 }), junk);
const body = fc.option(
  fc.record(
    {
      amount,
      payment_capture_reference: fc.oneof(fc.string({ maxLength: 300 }), junk),
      payment_refund_reference: fc.oneof(fc.string({ maxLength: 300 }), junk),
      line_items: fc.oneof(fc.array(fc.object(), { maxLength: 2 }), junk),
      shipping: fc.oneof(fc.array(fc.object(), { maxLength: 1 }), junk),
      reason: junk,
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const call = fc.record({
  which: fc.nat(3),
  suffix: fc.constantFrom(
    '',
    '/captures',
    '/refunds',
    '/void',
    '/captures/:1/refunds',
    '/captures/x/refunds',
  ),
  method: fc.constantFrom('GET', 'POST'),
  body,
});

describe('transaction API fuzz', () => {
  it('never answers 5xx, and captured ≥ refunded, captured + released ≤ amount', async () => {
    await fc.assert(
      fc.asyncProperty(call, async ({ which, suffix, method, body: sent }) => {
        const id = ids[which % ids.length] ?? 'krn:payment:eu1:transaction:unknown';
        const path = txPath(which === 3 ? 'unknown' : id, suffix.replace(':1', `${id}:capture:1`));
        const res = await sb.request<ErrorResponse>(
          method,
          path,
          sent === undefined || method === 'GET' ? {} : { body: sent },
        );
        expect(res.status, res.text).toBeLessThan(500);
        if (res.status >= 400) expect(res.body.error_code).toEqual(expect.any(String));
        for (const tx of ids) {
          const e = sb.state.ledger.get(tx);
          if (!e) throw new Error('ledger entry missing');
          expect(e.refunded_amount).toBeLessThanOrEqual(e.captured_amount);
          expect(e.captured_amount + e.released_amount).toBeLessThanOrEqual(e.amount);
        }
      }),
      { numRuns: 150 },
    );
  });
});
