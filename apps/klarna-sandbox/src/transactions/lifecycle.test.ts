// States over time and their webhooks (CONTRACT.md §18.6): AUTHORIZED → EXPIRED at expires_at,
// → CLOSED/COMPLETED 7 days later on the sandbox clock; payment.transaction.* events for every
// capture (NOW included), refund and state change, through the registry's wildcard subscriptions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import {
  authorizedTransaction,
  expectError,
  lineItems,
  txClient,
  type TxClient,
} from '../testing/transactions.js';
import { signatureValid, startReceiver, type Receiver } from '../webhooks/testing/receiver.js';
import { advanceClock, registerWebhook, type Registered } from '../webhooks/testing/setup.js';

const DAY_MS = 86_400_000;

let sb: TestSandbox;
let api: TxClient;
let receiver: Receiver;
let hook: Registered;
beforeEach(async () => {
  sb = await startSandbox();
  api = txClient(sb);
  receiver = await startReceiver();
  hook = await registerWebhook(sb, receiver.url, ['payment.transaction.*']);
});
afterEach(async () => {
  await sb.close();
  await receiver.close();
});

const types = () => receiver.received.map((r) => r.envelope.metadata.event_type);
const payloads = () => receiver.received.map((r) => r.envelope.payload);

describe('expiry on the sandbox clock', () => {
  it('AUTHORIZED → EXPIRED at expires_at (28 days), → CLOSED 7 days later, the amount released', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    await advanceClock(sb, 28 * DAY_MS - 1000);
    expect((await api.read(id)).body.state).toBe('AUTHORIZED');

    await advanceClock(sb, 1000);
    expect((await api.read(id)).body).toMatchObject({ state: 'EXPIRED', released_amount: 0 });
    expectError(await api.capture(id, { amount: 1 }), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');

    await advanceClock(sb, 7 * DAY_MS);
    expect((await api.read(id)).body).toMatchObject({ state: 'CLOSED', released_amount: 1000 });

    await receiver.waitFor(2);
    expect(types()).toEqual([
      'payment.transaction.state-change.expired',
      'payment.transaction.state-change.closed',
    ]);
    expect(payloads()[1]).toEqual({
      payment_transaction_id: id,
      payment_transaction_reference: 'sub_42-2026-02',
      state: 'CLOSED',
      previous_state: 'EXPIRED',
      amount: 1000,
      currency: 'EUR',
    });
  });

  it('partly captured: EXPIRED, then COMPLETED with the remainder released', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    await api.capture(id, { amount: 300 });
    await advanceClock(sb, 35 * DAY_MS);

    expect((await api.read(id)).body).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 300,
      released_amount: 700,
    });
    await receiver.waitFor(3);
    expect(types()).toEqual([
      'payment.transaction.captured',
      'payment.transaction.state-change.expired',
      'payment.transaction.state-change.completed',
    ]);
  });

  it('an EXPIRED transaction can be voided (adopted reading §18.4) and is not ended twice', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    await advanceClock(sb, 29 * DAY_MS);
    const voided = await api.void(id);
    expect(voided.body).toMatchObject({ state: 'CLOSED', released_amount: 1000 });

    await advanceClock(sb, 7 * DAY_MS);
    expect((await api.read(id)).body).toMatchObject({ state: 'CLOSED', released_amount: 1000 });
    await receiver.waitFor(2);
    expect(types()).toEqual([
      'payment.transaction.state-change.expired',
      'payment.transaction.state-change.closed',
    ]);
  });

  it('a completed or voided transaction never expires', async () => {
    const done = await authorizedTransaction(sb, { captureNow: true });
    const voided = await authorizedTransaction(sb, { reference: 'v' });
    await api.void(voided);
    await advanceClock(sb, 40 * DAY_MS);
    expect((await api.read(done)).body.state).toBe('COMPLETED');
    expect((await api.read(voided)).body.state).toBe('CLOSED');
  });
});

describe('webhooks', () => {
  it('capture NOW: one captured event, signed, with the capture id', async () => {
    const id = await authorizedTransaction(sb, { amount: 999, captureNow: true });

    const [got] = await receiver.waitFor(1);

    expect(got?.envelope.metadata).toMatchObject({
      event_type: 'payment.transaction.captured',
      event_version: 'v2',
      subject_account_id: TEST_ACCOUNT,
    });
    expect(got && signatureValid(got, hook.secret)).toBe(true);
    expect(got?.envelope.payload).toEqual({
      payment_transaction_id: id,
      payment_transaction_reference: 'sub_42-2026-02',
      state: 'COMPLETED',
      previous_state: null,
      amount: 999,
      currency: 'EUR',
      payment_capture_id: `${id}:capture:1`,
      payment_capture_reference: null,
    });
  });

  it('captures, a completing capture, refunds: the operation’s amount and ids', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    const c1 = await api.capture(id, { amount: 400, payment_capture_reference: 'cap-a' });
    await api.capture(id, { amount: 600 });
    const r1 = await api.refundCapture(id, c1.body.payment_capture_id, {
      amount: 150,
      payment_refund_reference: 'ref-a',
    });
    await api.refund(id, { amount: 50, line_items: lineItems });

    await receiver.waitFor(5);
    expect(types()).toEqual([
      'payment.transaction.captured',
      'payment.transaction.captured',
      'payment.transaction.state-change.completed',
      'payment.transaction.refunded',
      'payment.transaction.refunded',
    ]);
    const [first, second, completed, refunded, byTx] = payloads();
    expect(first).toMatchObject({
      state: 'AUTHORIZED',
      previous_state: 'AUTHORIZED',
      amount: 400,
      payment_capture_id: c1.body.payment_capture_id,
      payment_capture_reference: 'cap-a',
    });
    expect(second).toMatchObject({ state: 'COMPLETED', previous_state: 'AUTHORIZED', amount: 600 });
    expect(completed).toMatchObject({ state: 'COMPLETED', previous_state: 'AUTHORIZED', amount: 1000 });
    expect(refunded).toMatchObject({
      amount: 150,
      payment_capture_id: c1.body.payment_capture_id,
      payment_refund_id: r1.body.payment_refund_id,
      payment_refund_reference: 'ref-a',
      state: 'COMPLETED',
    });
    expect(byTx).toMatchObject({ amount: 50, payment_capture_id: null, payment_refund_reference: null });
  });

  it('void: state-change.closed, or .completed after a capture', async () => {
    const a = await authorizedTransaction(sb, { reference: 'a' });
    await api.void(a);
    const b = await authorizedTransaction(sb, { reference: 'b' });
    await api.capture(b, { amount: 1 });
    await api.void(b);

    await receiver.waitFor(3);
    expect(
      receiver.received.map((r) => [
        r.envelope.metadata.event_type,
        r.envelope.payload['payment_transaction_id'],
      ]),
    ).toEqual([
      ['payment.transaction.state-change.closed', a],
      ['payment.transaction.captured', b],
      ['payment.transaction.state-change.completed', b],
    ]);
  });

  it('a refused operation emits nothing', async () => {
    const id = await authorizedTransaction(sb, { captureNow: true });
    await receiver.waitFor(1);
    await api.capture(id, { amount: 1 });
    await api.void(id);
    await api.refundCapture(id, `${id}:capture:1`, { amount: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(1);
  });

  it('the simulate endpoint knows the transaction events', async () => {
    const res = await sb.request('POST', `/v2/notification/webhooks/${hook.webhookId}/simulate`, {
      body: { event_type: 'payment.transaction.refunded', event_version: 'v2' },
    });
    expect(res.status, res.text).toBe(202);
    const [got] = await receiver.waitFor(1);
    expect(got?.envelope.payload).toMatchObject({ payment_transaction_reference: 'SIMULATED_EVENT' });
  });
});
