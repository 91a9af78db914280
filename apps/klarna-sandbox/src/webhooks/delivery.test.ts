// Webhook delivery over real HTTP: envelope, signature over the raw bytes, subscriptions, the
// retry schedule on the simulated clock, the 12 h give-up, the delivery log and redelivery.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import { signatureValid, startReceiver, type Receiver } from './testing/receiver.js';
import {
  advanceClock,
  attemptsRecorded,
  deliveries,
  emitStateChange,
  registerWebhook,
} from './testing/setup.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PR = 'krn:payment:eu1:request:11111111-2222-4333-8444-555555555555';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let sb: TestSandbox;
let receiver: Receiver;
beforeEach(async () => {
  sb = await startSandbox();
  receiver = await startReceiver();
});
afterEach(async () => {
  await sb.close();
  await receiver.close();
});

const advance = (ms: number): Promise<void> => advanceClock(sb, ms);
/** Each attempt ran at its scheduled offset, give or take the real time the test itself took. */
const expectOffsets = (actual: number[], scheduled: number[]) => {
  expect(actual).toHaveLength(scheduled.length);
  actual.forEach((ms, i) => expect(ms - (scheduled[i] ?? 0)).toBeGreaterThanOrEqual(0));
  actual.forEach((ms, i) => expect(ms - (scheduled[i] ?? 0)).toBeLessThan(SECOND));
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('envelope and signature', () => {
  it('delivers a state change as the contract envelope, HMAC-SHA256 signed over the raw body', async () => {
    const hook = await registerWebhook(sb, receiver.url);
    const occurredAt = emitStateChange(sb, PR, 'COMPLETED');
    const [got] = await receiver.waitFor(1);
    if (!got) throw new Error('no webhook');

    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['klarna-signing-key-id']).toBe(hook.signingKeyId);
    expect(got.headers['klarna-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(signatureValid(got, hook.secret)).toBe(true);
    expect(signatureValid(got, `${hook.secret}x`)).toBe(false);

    expect(got.envelope).toEqual({
      metadata: {
        event_type: 'payment.request.state-change.completed',
        event_id: expect.stringMatching(UUID) as unknown,
        event_version: 'v2',
        occurred_at: new Date(occurredAt).toISOString(),
        subject_account_id: TEST_ACCOUNT,
        recipient_account_id: sb.config.acquirerAccountId,
        product_instance_id: 'krn:partner:global:account:product:payment:MERCHANT1',
        webhook_id: hook.webhookId,
        live: false,
      },
      payload: { payment_request_id: PR, payment_request_reference: 'ref-1', state: 'COMPLETED' },
    });

    const [logged] = await attemptsRecorded(sb, 1);
    expect(logged).toMatchObject({
      event_id: got.envelope.metadata.event_id,
      payment_request_id: PR,
      status: 'DELIVERED',
      attempts: [{ attempt: 1, status_code: 200, error: null, signature_valid: true, success: true }],
    });
  });

  it('gives each event its own event_id and sends it only to ENABLED webhooks subscribed to its type', async () => {
    const all = await registerWebhook(sb, receiver.url, ['payment.*']);
    const completedOnly = await startReceiver();
    const disabled = await startReceiver();
    try {
      await registerWebhook(sb, completedOnly.url, ['payment.request.state-change.completed']);
      await registerWebhook(sb, disabled.url, ['payment.*'], 'DISABLED');
      emitStateChange(sb, PR, 'SUBMITTED');
      emitStateChange(sb, PR, 'IN_PROGRESS');
      emitStateChange(sb, PR, 'COMPLETED');
      const got = await receiver.waitFor(3);
      const [completed] = await completedOnly.waitFor(1);
      await settle();

      expect(got.map((r) => r.envelope.metadata.event_type)).toEqual([
        'payment.request.state-change.submitted',
        'payment.request.state-change.in-progress',
        'payment.request.state-change.completed',
      ]);
      expect(new Set(got.map((r) => r.envelope.metadata.event_id)).size).toBe(3);
      expect(got.every((r) => signatureValid(r, all.secret))).toBe(true);
      expect(completedOnly.received).toHaveLength(1);
      expect(completed?.envelope.metadata.event_id).toBe(got[2]?.envelope.metadata.event_id);
      expect(disabled.received).toHaveLength(0);
    } finally {
      await completedOnly.close();
      await disabled.close();
    }
  });

  it('counts 201, 202 and 204 as delivered', async () => {
    const statuses = [201, 202, 204];
    receiver.respondWith((n) => statuses[n] ?? 200);
    await registerWebhook(sb, receiver.url);
    for (const state of ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED'] as const) emitStateChange(sb, PR, state);
    await receiver.waitFor(3);
    await attemptsRecorded(sb, 3);
    const log = await deliveries(sb);
    expect(log.map((d) => [d.status, d.attempts[0]?.status_code])).toEqual([
      ['DELIVERED', 201],
      ['DELIVERED', 202],
      ['DELIVERED', 204],
    ]);
  });
});

describe('retries on the simulated clock', () => {
  it('retries at +30 s and +2 min until a 2xx, recording every attempt', async () => {
    const answers = [500, 503, 200];
    receiver.respondWith((n) => answers[n] ?? 200);
    await registerWebhook(sb, receiver.url);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    await attemptsRecorded(sb, 1);

    let [d] = await deliveries(sb);
    expect(d?.status).toBe('PENDING');
    const first = Date.parse(d?.first_attempt_at ?? '');
    expect(Date.parse(d?.next_attempt_at ?? '')).toBe(first + 30 * SECOND);

    // Simulated time also runs with the real clock, hence the one-second margins.
    await advance(29 * SECOND);
    expect(receiver.received).toHaveLength(1);
    await advance(1 * SECOND);
    expect(receiver.received).toHaveLength(2);
    await advance(89 * SECOND);
    expect(receiver.received).toHaveLength(2);
    await advance(1 * SECOND);
    expect(receiver.received).toHaveLength(3);

    [d] = await deliveries(sb);
    expect(d?.status).toBe('DELIVERED');
    expect(d?.next_attempt_at).toBeNull();
    expect(d?.attempts.map((a) => [a.attempt, a.status_code, a.success])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    expectOffsets(d?.attempts.map((a) => Date.parse(a.at) - first) ?? [], [0, 30 * SECOND, 120 * SECOND]);
    expect(d?.attempts.every((a) => a.duration_ms >= 0)).toBe(true);
    // Every attempt carries the same bytes and the same event id.
    expect(new Set(receiver.received.map((r) => r.rawBody.toString('hex'))).size).toBe(1);
  });

  it('gives up after the 12 h attempt: ten attempts on the schedule, then FAILED for good', async () => {
    receiver.respondWith(() => 500);
    await registerWebhook(sb, receiver.url);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    await attemptsRecorded(sb, 1);
    const offsets = [
      30 * SECOND,
      2 * MINUTE,
      10 * MINUTE,
      30 * MINUTE,
      HOUR,
      2 * HOUR,
      4 * HOUR,
      8 * HOUR,
      12 * HOUR,
    ];
    let previous = 0;
    for (const [i, offset] of offsets.entries()) {
      await advance(offset - previous - SECOND);
      expect(receiver.received, `before attempt ${i + 2}`).toHaveLength(i + 1);
      await advance(SECOND);
      expect(receiver.received, `attempt ${i + 2}`).toHaveLength(i + 2);
      previous = offset;
    }
    const [d] = await deliveries(sb);
    expect(d).toMatchObject({ status: 'FAILED', failure_reason: 'RETRIES_EXHAUSTED', next_attempt_at: null });
    expect(d?.attempts).toHaveLength(10);
    const first = Date.parse(d?.first_attempt_at ?? '');
    expectOffsets(d?.attempts.map((a) => Date.parse(a.at) - first) ?? [], [0, ...offsets]);

    await advance(48 * HOUR);
    expect(receiver.received).toHaveLength(10);
    expect(await deliveries(sb, '?status=FAILED')).toHaveLength(1);
  });

  it('treats a redirect and an unreachable receiver as failures', async () => {
    receiver.respondWith(() => 302);
    await registerWebhook(sb, receiver.url);
    const dead = await startReceiver();
    await dead.close();
    await registerWebhook(sb, dead.url);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    const log = await attemptsRecorded(sb, 2);
    expect(log.map((d) => d.status)).toEqual(['PENDING', 'PENDING']);
    expect(log[0]?.attempts[0]).toMatchObject({ status_code: 302, success: false });
    expect(log[1]?.attempts[0]?.error).toMatch(/^NETWORK_ERROR: /);
  });

  it('stops retrying once the webhook is deleted', async () => {
    receiver.respondWith(() => 500);
    const hook = await registerWebhook(sb, receiver.url);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    await attemptsRecorded(sb, 1);
    expect((await sb.request('DELETE', `/v2/notification/webhooks/${hook.webhookId}`)).status).toBe(204);
    await advance(HOUR);
    expect(receiver.received).toHaveLength(1);
    const [d] = await deliveries(sb);
    expect(d).toMatchObject({ status: 'FAILED', failure_reason: 'WEBHOOK_DELETED' });
  });
});

describe('delivery log and redelivery', () => {
  it('filters by event type, payment request and status; 400 naming a bad filter', async () => {
    receiver.respondWith((_n, r) => (r.envelope.metadata.event_type.endsWith('declined') ? 500 : 200));
    await registerWebhook(sb, receiver.url);
    const other = 'krn:payment:eu1:request:99999999-2222-4333-8444-555555555555';
    emitStateChange(sb, PR, 'SUBMITTED');
    emitStateChange(sb, PR, 'COMPLETED');
    emitStateChange(sb, other, 'SUBMITTED');
    emitStateChange(sb, other, 'DECLINED');
    await receiver.waitFor(4);
    await attemptsRecorded(sb, 4);

    expect(await deliveries(sb)).toHaveLength(4);
    const submitted = await deliveries(sb, '?event_type=payment.request.state-change.submitted');
    expect(submitted.map((d) => d.payment_request_id)).toEqual([PR, other]);
    const ofOther = await deliveries(sb, `?payment_request_id=${encodeURIComponent(other)}`);
    expect(ofOther.map((d) => d.event_type)).toEqual([
      'payment.request.state-change.submitted',
      'payment.request.state-change.declined',
    ]);
    const pending = await deliveries(sb, '?status=PENDING');
    expect(pending.map((d) => d.event_type)).toEqual(['payment.request.state-change.declined']);

    for (const [query, parameter] of [
      ['?status=LOST', 'status'],
      ['?colour=red', 'colour'],
    ]) {
      const res = await sb.sim<{ validation_errors: { parameter: string }[] }>(
        'GET',
        `/webhook-deliveries${query}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.validation_errors.map((e) => e.parameter)).toEqual([parameter]);
    }
    const one = await sb.sim('GET', `/webhook-deliveries/${pending[0]?.delivery_id ?? ''}`);
    expect(one.body).toMatchObject({ delivery_id: pending[0]?.delivery_id });
    expect((await sb.sim('GET', '/webhook-deliveries/nope')).status).toBe(404);
  });

  it('redelivers a delivery as a new one with the same bytes and event id', async () => {
    await registerWebhook(sb, receiver.url);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    await attemptsRecorded(sb, 1);
    const [original] = await deliveries(sb);
    const res = await sb.sim<{ delivery_id: string; redelivery_of: string; event_id: string }>(
      'POST',
      `/webhook-deliveries/${original?.delivery_id ?? ''}/redeliver`,
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ redelivery_of: original?.delivery_id, event_id: original?.event_id });
    const [a, b] = await receiver.waitFor(2);
    expect(b?.rawBody.equals(a?.rawBody ?? Buffer.alloc(0))).toBe(true);
    expect((await sb.sim('POST', '/webhook-deliveries/nope/redeliver')).status).toBe(404);
  });
});

describe('POST /__sim/reset', () => {
  it('forgets keys, webhooks, deliveries and faults; pending retries stop', async () => {
    receiver.respondWith(() => 500);
    await registerWebhook(sb, receiver.url);
    await sb.sim('PUT', '/webhook-faults', { delay_ms: 1000 });
    emitStateChange(sb, PR, 'COMPLETED');
    await advance(1000);
    expect(receiver.received).toHaveLength(1);

    expect((await sb.sim('POST', '/reset')).status).toBe(200);
    expect(await deliveries(sb)).toEqual([]);
    expect((await sb.sim('GET', '/webhook-faults')).body).toEqual({ receiver_timeout_ms: 10_000 });
    expect((await sb.request('GET', '/v2/notification/webhooks')).body).toEqual({ webhooks: [] });
    expect((await sb.request('GET', '/v2/notification/signing-keys')).body).toEqual({ signing_keys: [] });
    await advance(13 * HOUR);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('never in the way', () => {
  it('emitting does not wait for the receiver, and close() aborts a hanging delivery', async () => {
    receiver.respondWith(() => 'hang');
    await registerWebhook(sb, receiver.url);
    const started = performance.now();
    for (let i = 0; i < 20; i++) emitStateChange(sb, `${PR}-${i}`, 'SUBMITTED');
    expect(performance.now() - started).toBeLessThan(500);
    await receiver.waitFor(1);
    const closing = performance.now();
    await sb.close();
    expect(performance.now() - closing).toBeLessThan(2_000);
    sb = await startSandbox(); // afterEach closes a fresh one
  });
});
