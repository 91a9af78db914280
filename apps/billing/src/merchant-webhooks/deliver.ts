// Sends one outbox event to one merchant endpoint (a WebhookDelivery), signed per the Standard
// Webhooks specification: `webhook-id` (the event's `msg_` id, the same on every re-send, so
// receivers dedupe on it), `webhook-timestamp` (real time, seconds, at each send) and
// `webhook-signature` (one `v1,<base64>` per secret valid now). A 2xx answer delivers it;
// anything else (another status, a timeout, a refused connection) is retried with exponential
// back-off and jitter until `maxAttempts`, then the delivery is FAILED (listed by the API,
// re-sendable). The job never fails on a merchant's answer: only infrastructure errors do.
//
// At-least-once: the delivery is recorded after the send. A worker that dies mid-send leaves the
// row PENDING with its lease; when the lease ends, the sweep enqueues it again and the same
// webhook-id is sent again.
import type { Logger } from 'pino';
import { request } from 'undici';
import type { Db } from '../store/db.js';
import {
  loadDeliveryToSend,
  recordDeliveryAttempt,
  type DeliveryResult,
} from '../store/webhook-endpoints.js';
import { openMerchantWebhookSecret, signStandardWebhook } from '../vault/merchant-webhooks.js';
import type { Vault } from '../vault/vault.js';

export interface DeliveryDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly log: Logger;
  /** Real time, epoch ms (the `webhook-timestamp`); injected for tests. */
  readonly nowMs: () => number;
  readonly policy: DeliveryPolicy;
}

export interface DeliveryPolicy {
  /** Whole request (connect, head and body) at most this long. */
  readonly timeoutMs: number;
  /** Sends in all before the delivery is FAILED. */
  readonly maxAttempts: number;
  /** The first retry's delay; each later one doubles, up to `maxDelayMs`; ±20 % jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeoutMs: 10_000,
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 6 * 3600_000,
};

/** The delay before the retry that follows send number `attempt` (1-based), jittered. */
export function retryDelayMs(
  policy: DeliveryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

/** The `webhook-id` of an outbox event. */
export function webhookMessageId(eventId: string): string {
  return `msg_${eventId.replaceAll('-', '')}`;
}

/** The body sent: the event's type, when it happened (Rebill's clock) and its payload. */
export function webhookBody(event: { type: string; payload: unknown; createdAt: Date }): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.payload });
}

export type DeliveryVerdict = 'DELIVERED' | 'RETRY' | 'FAILED' | 'SKIPPED';

export async function deliverWebhook(deps: DeliveryDeps, deliveryId: string): Promise<DeliveryVerdict> {
  const delivery = await loadDeliveryToSend(deps.db, deliveryId);
  // Gone, already delivered or failed (a duplicate job, an operator's action): nothing to do.
  if (delivery === null || delivery.status !== 'PENDING') return 'SKIPPED';
  const attempt = delivery.attemptCount + 1;
  const notDelivered = (httpStatus: number | null, error: string): DeliveryResult => ({
    kind: 'NOT_DELIVERED',
    httpStatus,
    error,
    retryInMs: attempt >= deps.policy.maxAttempts ? null : retryDelayMs(deps.policy, attempt),
  });
  if (delivery.endpoint.status !== 'ENABLED' || delivery.secrets.length === 0) {
    await recordDeliveryAttempt(deps.db, delivery.id, {
      kind: 'NOT_DELIVERED',
      httpStatus: null,
      error: delivery.endpoint.status !== 'ENABLED' ? 'endpoint deleted' : 'no valid signing secret',
      retryInMs: null,
    });
    return 'FAILED';
  }

  const secrets = delivery.secrets.map((s) => openMerchantWebhookSecret(deps.vault, s.sealed, s.id));
  const id = webhookMessageId(delivery.event.id);
  const body = webhookBody(delivery.event);
  const timestampSeconds = Math.floor(deps.nowMs() / 1000);
  const signature = signStandardWebhook(secrets, { id, timestampSeconds, body });

  let result: DeliveryResult;
  try {
    const response = await request(delivery.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rebill-Webhooks/1',
        'webhook-id': id,
        'webhook-timestamp': String(timestampSeconds),
        'webhook-signature': signature,
      },
      body,
      headersTimeout: deps.policy.timeoutMs,
      bodyTimeout: deps.policy.timeoutMs,
      signal: AbortSignal.timeout(deps.policy.timeoutMs),
    });
    // The answer's body is not read beyond being drained: only its status counts.
    await response.body.dump();
    const status = response.statusCode;
    result =
      status >= 200 && status < 300
        ? { kind: 'DELIVERED', httpStatus: status }
        : notDelivered(status, `HTTP ${status}`);
  } catch (error) {
    result = notDelivered(null, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
  await recordDeliveryAttempt(deps.db, delivery.id, result);
  const verdict: DeliveryVerdict =
    result.kind === 'DELIVERED' ? 'DELIVERED' : result.retryInMs === null ? 'FAILED' : 'RETRY';
  deps.log.info(
    { deliveryId: delivery.id, webhookId: id, type: delivery.event.type, attempt, verdict },
    'merchant webhook sent',
  );
  return verdict;
}
