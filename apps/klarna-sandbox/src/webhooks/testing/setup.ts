// Test helpers over the public API: register a signing key + webhook, emit a state change
// through the engine's seam, read the delivery log.
import type { PaymentRequestState } from '../../events.js';
import type { PaymentRequestPayload } from '../../payment-requests/model.js';
import { expect } from 'vitest';
import type { DeliveryJson } from '../delivery-log.js';
import { TEST_ACCOUNT, type TestSandbox } from '../../testing/harness.js';

export interface Registered {
  webhookId: string;
  signingKeyId: string;
  secret: string;
}

export async function registerWebhook(
  sb: TestSandbox,
  url: string,
  eventTypes: string[] = ['payment.request.*'],
  status: 'ENABLED' | 'DISABLED' = 'ENABLED',
): Promise<Registered> {
  const key = await sb.request<{ signing_key_id: string; signing_key: string }>(
    'POST',
    '/v2/notification/signing-keys',
  );
  if (key.status !== 201) throw new Error(`signing key: ${key.status} ${key.text}`);
  const hook = await sb.request<{ webhook_id: string }>('POST', '/v2/notification/webhooks', {
    body: {
      url,
      event_types: eventTypes,
      event_version: 'v2',
      signing_key_id: key.body.signing_key_id,
      status,
    },
  });
  if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${hook.text}`);
  return {
    webhookId: hook.body.webhook_id,
    signingKeyId: key.body.signing_key_id,
    secret: key.body.signing_key,
  };
}

const SUFFIX: Record<PaymentRequestState, string> = {
  SUBMITTED: 'submitted',
  IN_PROGRESS: 'in-progress',
  COMPLETED: 'completed',
  DECLINED: 'declined',
  EXPIRED: 'expired',
  CANCELED: 'canceled',
};

/**
 * Emits what the payment-request engine emits on a state change (the §10.4 payload, trimmed);
 * returns the event's occurredAt.
 */
export function emitStateChange(
  sb: TestSandbox,
  paymentRequestId: string,
  state: PaymentRequestState,
  account = TEST_ACCOUNT,
): number {
  const occurredAt = sb.deps.clock.now();
  sb.deps.events.emit('payment_request.state_changed', {
    accountId: account,
    eventType: `payment.request.state-change.${SUFFIX[state]}`,
    occurredAt,
    // Trimmed to what the dispatcher and these tests read; it serializes the payload as is.
    payload: {
      payment_request_id: paymentRequestId,
      payment_request_reference: 'ref-1',
      state,
    } as PaymentRequestPayload,
  });
  return occurredAt;
}

export type { AttemptJson, DeliveryJson } from '../delivery-log.js';

export async function deliveries(sb: TestSandbox, query = ''): Promise<DeliveryJson[]> {
  const res = await sb.sim<{ deliveries: DeliveryJson[] }>('GET', `/webhook-deliveries${query}`);
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${res.text}`);
  return res.body.deliveries;
}

/**
 * Waits until the sandbox has recorded at least `count` attempts in all: a receiver sees a
 * request before the sandbox has read (and recorded) the answer.
 */
export async function attemptsRecorded(
  sb: TestSandbox,
  count: number,
  timeoutMs = 5_000,
): Promise<DeliveryJson[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await deliveries(sb);
    const recorded = list.reduce((sum, d) => sum + d.attempts.length, 0);
    if (recorded >= count) return list;
    if (Date.now() > deadline) throw new Error(`only ${recorded} of ${count} attempts recorded`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** POST /__sim/clock/advance: answers once the attempts that fell due are done. */
export async function advanceClock(sb: TestSandbox, ms: number): Promise<void> {
  const res = await sb.sim('POST', '/clock/advance', { seconds: ms / 1000 });
  expect(res.status, res.text).toBe(200);
}
