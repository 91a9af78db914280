// Idempotency (§3) and scripted faults (SIM-ONLY) on the Payment Transaction API: same-key
// replays, in-flight 409, HTTP errors, timeouts, drops, latency, and LOSE_RESPONSE — the call
// runs, the answer is lost, and a read or a same-key replay tells what happened.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PartnerEvent } from '../events.js';
import { bodies, mintToken } from '../testing/bodies.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import {
  authorizedTransaction,
  expectError,
  lineItems,
  txClient,
  txPath,
  type TxClient,
} from '../testing/transactions.js';
import type { AuthorizeResponse, ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
let api: TxClient;
let events: PartnerEvent[];
beforeEach(async () => {
  sb = await startSandbox();
  api = txClient(sb);
  events = [];
  sb.deps.events.on('payment_transaction.changed', (e) => events.push(e));
});
afterEach(async () => {
  await sb.close();
});

const addRule = async (rule: unknown) => {
  const res = await sb.sim<{ id: string } & ErrorResponse>('POST', '/scenarios', rule);
  expect(res.status, res.text).toBe(201);
};
const key = (k: string) => ({ 'Klarna-Idempotency-Key': k });

describe('idempotency', () => {
  it.each([
    ['capture', (id: string, h: Record<string, string>) => api.capture(id, { amount: 100 }, h)],
    [
      'refund by capture',
      (id: string, h: Record<string, string>) => api.refundCapture(id, `${id}:capture:1`, { amount: 100 }, h),
    ],
    [
      'refund by transaction',
      (id: string, h: Record<string, string>) => api.refund(id, { amount: 100, line_items: lineItems }, h),
    ],
    ['void', (id: string, h: Record<string, string>) => api.void(id, {}, h)],
  ])('%s: the same key replays the first answer and runs once', async (name, call) => {
    const id = await authorizedTransaction(sb, { amount: 1000, captureNow: name.startsWith('refund') });
    const first = await call(id, key('k-1'));
    const again = await call(id, key('k-1'));

    expect(first.status).toBeLessThan(300);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('klarna-correlation-id')).not.toBe(first.headers.get('klarna-correlation-id'));
    const entry = sb.state.ledger.get(id);
    expect((entry?.captures.length ?? 0) + (entry?.refunds.length ?? 0)).toBe(
      name.startsWith('refund') ? 2 : name === 'capture' ? 1 : 0,
    );
  });

  it('a stored 4xx replays too; a new key runs again', async () => {
    const id = await authorizedTransaction(sb, { amount: 100 });
    expectError(
      await api.capture(id, { amount: 101 }, key('big')),
      400,
      'INPUT_ERROR',
      'VALIDATION_ERROR',
      'amount',
    );
    expectError(
      await api.capture(id, { amount: 50 }, key('big')),
      400,
      'INPUT_ERROR',
      'VALIDATION_ERROR',
      'amount',
    );
    expect((await api.capture(id, { amount: 50 }, key('small'))).status).toBe(201);
  });

  it('a key still in flight answers 409 RESOURCE_CONFLICT', async () => {
    const id = await authorizedTransaction(sb);
    await addRule({ match: { operation: 'capture' }, latency: { type: 'fixed', ms: 300 }, times: 'once' });

    const slow = api.capture(id, { amount: 10 }, key('slow'));
    await new Promise((r) => setTimeout(r, 50));
    const second = await api.capture(id, { amount: 10 }, key('slow'));

    expectError(second, 409, 'RESOURCE_ERROR', 'RESOURCE_CONFLICT');
    expect((await slow).status).toBe(201);
    expect((await api.capture(id, { amount: 10 }, key('slow'))).body).toEqual((await slow).body);
    expect(sb.state.ledger.get(id)?.captured_amount).toBe(10);
  });

  it('an empty or overlong key is a 400 naming the header', async () => {
    const id = await authorizedTransaction(sb);
    expectError(
      await api.void(id, {}, key('x'.repeat(256))),
      400,
      'INPUT_ERROR',
      'VALIDATION_ERROR',
      'Klarna-Idempotency-Key',
    );
  });
});

describe('scripted faults', () => {
  it.each([
    [429, 'RATE_LIMITED'],
    [500, 'INTERNAL_ERROR'],
    [503, 'TEMPORARILY_UNAVAILABLE'],
    [403, 'FORBIDDEN'],
  ])(
    'HTTP %d fires before the capture runs; a 5xx/429 retry with the same key executes',
    async (status, code) => {
      const id = await authorizedTransaction(sb);
      await addRule({
        match: { operation: 'capture' },
        outcome: { result: 'HTTP_ERROR', status },
        times: 'once',
      });

      const failed = await api.capture(id, { amount: 100 }, key('cap'));
      expect(failed.status).toBe(status);
      expect(failed.body.error_code).toBe(code);
      expect(sb.state.ledger.get(id)?.captured_amount).toBe(0);
      expect(events).toEqual([]);

      const retry = await api.capture(id, { amount: 100 }, key(status === 403 ? 'other' : 'cap'));
      expect(retry.status).toBe(201);
    },
  );

  it('rules match by payment_transaction_id and operation; a rule without operation is authorize-only', async () => {
    const a = await authorizedTransaction(sb, { reference: 'a' });
    const b = await authorizedTransaction(sb, { reference: 'b' });
    await addRule({ outcome: { result: 'HTTP_ERROR', status: 500 } });
    await addRule({
      match: { operation: 'void', payment_transaction_id: b },
      outcome: { result: 'HTTP_ERROR', status: 503 },
    });
    await addRule({
      match: { operation: 'refund', payment_transaction_reference: 'a' },
      outcome: { result: 'HTTP_ERROR', status: 429 },
    });

    expect((await api.void(a)).status).toBe(200);
    expect((await api.void(b)).status).toBe(503);
    expect((await api.refund(a, { amount: 1, line_items: lineItems })).status).toBe(429);
    const token = await mintToken(sb);
    expect((await sb.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token })).status).toBe(500);
  });

  it('TIMEOUT holds a void unanswered; nothing ran and the key is free once the client gives up', async () => {
    const id = await authorizedTransaction(sb);
    await addRule({ match: { operation: 'void' }, outcome: { result: 'TIMEOUT' }, times: 'once' });
    const controller = new AbortController();
    const pending = sb
      .request('POST', txPath(id, '/void'), { body: {}, headers: key('v'), signal: controller.signal })
      .catch(() => 'gave up');
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await pending).toBe('gave up');
    expect((await api.read(id)).body.state).toBe('AUTHORIZED');
    await vi.waitFor(async () => expect((await api.void(id, {}, key('v'))).status).toBe(200), {
      timeout: 3000,
    });
  });

  it('DROP and latency apply to reads', async () => {
    const id = await authorizedTransaction(sb);
    await addRule({ match: { operation: 'read' }, outcome: { result: 'DROP' }, times: 'once' });
    await expect(api.read(id)).rejects.toThrow();
    await addRule({ match: { operation: 'read' }, latency: { type: 'fixed', ms: 200 }, times: 'once' });
    const started = Date.now();
    expect((await api.read(id)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('a result outcome on a transaction operation is a 400 naming outcome.result', async () => {
    const res = await sb.sim<ErrorResponse>('POST', '/scenarios', {
      match: { operation: 'capture' },
      outcome: { result: 'APPROVED' },
    });
    expectError(res, 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'outcome.result');
    const bad = await sb.sim<ErrorResponse>('POST', '/scenarios', {
      match: { operation: 'refunds' },
      outcome: { result: 'DROP' },
    });
    expectError(bad, 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'match.operation');
  });
});

describe('LOSE_RESPONSE', () => {
  it('the capture runs (ledger, webhook), the socket dies; a read and a same-key replay resolve it', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    await addRule({ match: { operation: 'capture' }, outcome: { result: 'LOSE_RESPONSE' }, times: 'once' });

    await expect(
      api.capture(id, { amount: 400, payment_capture_reference: 'mine' }, key('lost')),
    ).rejects.toThrow();

    const read = await api.read(id);
    expect(read.body.payment_captures).toEqual([
      expect.objectContaining({ payment_capture_reference: 'mine', amount: 400 }),
    ]);
    expect(sb.state.ledger.get(id)?.captured_amount).toBe(400);
    expect(events.map((e) => e.eventType)).toEqual(['payment.transaction.captured']);
    const replay = await api.capture(id, { amount: 400, payment_capture_reference: 'mine' }, key('lost'));
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ payment_capture_id: `${id}:capture:1`, state: 'AUTHORIZED' });
    expect(sb.state.ledger.get(id)?.captures).toHaveLength(1);
  });

  it('a refused operation’s 4xx is stored the same way', async () => {
    const id = await authorizedTransaction(sb, { captureNow: true });
    await addRule({ match: { operation: 'void' }, outcome: { result: 'LOSE_RESPONSE' }, times: 'once' });
    await expect(api.void(id, {}, key('lost-void'))).rejects.toThrow();
    expectError(await api.void(id, {}, key('lost-void')), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
  });

  it('works on authorize too: the charge is in the ledger and the replay returns it', async () => {
    const token = await mintToken(sb);
    await addRule({ outcome: { result: 'LOSE_RESPONSE' }, times: 'once' });
    const headers = { 'Klarna-Customer-Token': token, ...key('lost-charge') };
    await expect(sb.authorize(bodies.cnpCharge(), headers)).rejects.toThrow();
    const replay = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(), headers);
    const tx = replay.body.payment_transaction_response?.payment_transaction;
    expect(tx?.payment_transaction_id).toBe(sb.state.ledger.query()[0]?.payment_transaction_id);
    expect(sb.state.ledger.size).toBe(1);
  });
});

describe('reset', () => {
  it('forgets transactions (404 afterwards) but the ledger keeps them', async () => {
    const id = await authorizedTransaction(sb);
    await sb.sim('POST', '/reset');
    expectError(await api.read(id), 404, 'RESOURCE_ERROR', 'RESOURCE_NOT_FOUND');
    expect(sb.state.ledger.get(id)?.state).toBe('AUTHORIZED');
  });
});
