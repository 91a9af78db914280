// Per-transaction limits (§18.7): 200 captures, 200 refunds, 500 actions; excess is 403
// OPERATION_FORBIDDEN. The default is shown with real calls; the action cap (unreachable with
// 200 + 200 + one void) with a test-only smaller limit.
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import { authorizedTransaction, expectError, lineItems, txClient } from '../testing/transactions.js';

let sb: TestSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('default limits', () => {
  it('the 201st capture is 403; refunds stop at 200 as well', async () => {
    sb = await startSandbox();
    const api = txClient(sb);
    const id = await authorizedTransaction(sb, { amount: 1000 });
    // One large capture, so the refunds below never run out of refundable money.
    expect((await api.capture(id, { amount: 500 })).status).toBe(201);
    for (let i = 0; i < 199; i++) expect((await api.capture(id, { amount: 1 })).status).toBe(201);
    expectError(await api.capture(id, { amount: 1 }), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');

    for (let i = 0; i < 200; i++) {
      expect((await api.refund(id, { amount: 1, line_items: lineItems })).status).toBe(201);
    }
    expectError(
      await api.refund(id, { amount: 1, line_items: lineItems }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
    expect((await api.read(id)).body).toMatchObject({ captured_amount: 699, refunded_amount: 200 });
  }, 60_000);
});

describe('test-only smaller limits', () => {
  it('captures, refunds and total actions each refuse with 403', async () => {
    sb = await startSandbox({}, { transactionLimits: { captures: 3, refunds: 2, voids: 1, actions: 5 } });
    const api = txClient(sb);
    const id = await authorizedTransaction(sb, { amount: 1000 });
    for (let i = 0; i < 3; i++) expect((await api.capture(id, { amount: 10 })).status).toBe(201);
    expectError(await api.capture(id, { amount: 10 }), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');

    const captureId = `${id}:capture:1`;
    expect((await api.refundCapture(id, captureId, { amount: 1 })).status).toBe(201);
    expect((await api.refundCapture(id, captureId, { amount: 1 })).status).toBe(201);
    expectError(
      await api.refundCapture(id, captureId, { amount: 1 }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );

    // 3 captures + 2 refunds = 5 actions: even the void is refused.
    expectError(await api.void(id), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
    expect((await api.read(id)).body.state).toBe('AUTHORIZED');
  });

  it('capture NOW counts as an action', async () => {
    sb = await startSandbox(
      {},
      { transactionLimits: { captures: 200, refunds: 200, voids: 200, actions: 2 } },
    );
    const api = txClient(sb);
    const id = await authorizedTransaction(sb, { captureNow: true });
    expect((await api.refundCapture(id, `${id}:capture:1`, { amount: 1 })).status).toBe(201);
    expectError(
      await api.refundCapture(id, `${id}:capture:1`, { amount: 1 }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
  });
});
