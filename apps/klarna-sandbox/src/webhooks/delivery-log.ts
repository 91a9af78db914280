// Every webhook delivery and each of its attempts, for GET /__sim/webhook-deliveries.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { rfc3339 } from './envelope.js';

export const DELIVERY_STATUSES = ['HELD', 'PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface AttemptRecord {
  attempt: number;
  /** Simulated instant the attempt started. */
  at: number;
  /** Real wall time the attempt took. */
  durationMs: number;
  statusCode: number | null;
  /** TIMEOUT, SIMULATED_TIMEOUT, NETWORK_ERROR: ..., ABORTED; null when the receiver answered. */
  error: string | null;
  signatureValid: boolean;
  success: boolean;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  webhookId: string;
  url: string;
  subjectAccountId: string;
  paymentRequestId: string | null;
  /** The serialized envelope: every attempt sends (and signs) exactly these bytes. */
  body: Buffer;
  status: DeliveryStatus;
  simulated: boolean;
  copyOf: string | null;
  redeliveryOf: string | null;
  createdAt: number;
  firstAttemptAt: number | null;
  nextAttemptAt: number | null;
  finishedAt: number | null;
  failureReason: string | null;
  attempts: AttemptRecord[];
}

export interface NewDelivery {
  eventId: string;
  eventType: string;
  webhook: { id: string; url: string };
  subjectAccountId: string;
  paymentRequestId: string | null;
  body: Buffer;
  simulated: boolean;
  copyOf: string | null;
  redeliveryOf: string | null;
}

/** A fresh PENDING delivery, not yet attempted. */
export function createDelivery(init: NewDelivery, now: number): Delivery {
  return {
    id: randomUUID(),
    eventId: init.eventId,
    eventType: init.eventType,
    webhookId: init.webhook.id,
    url: init.webhook.url,
    subjectAccountId: init.subjectAccountId,
    paymentRequestId: init.paymentRequestId,
    body: init.body,
    status: 'PENDING',
    simulated: init.simulated,
    copyOf: init.copyOf,
    redeliveryOf: init.redeliveryOf,
    createdAt: now,
    firstAttemptAt: null,
    nextAttemptAt: null,
    finishedAt: null,
    failureReason: null,
    attempts: [],
  };
}

export const deliveryFilter = z.strictObject({
  event_type: z.string().min(1).optional(),
  payment_request_id: z.string().min(1).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  webhook_id: z.string().min(1).optional(),
  event_id: z.string().min(1).optional(),
});
export type DeliveryFilter = z.output<typeof deliveryFilter>;

const orNull = (ms: number | null): string | null => (ms === null ? null : rfc3339(ms));

export interface AttemptJson {
  attempt: number;
  at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  signature_valid: boolean;
  success: boolean;
}

/** One delivery as GET /__sim/webhook-deliveries shows it (SIM-ONLY). */
export interface DeliveryJson {
  delivery_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  url: string;
  subject_account_id: string;
  payment_request_id: string | null;
  status: DeliveryStatus;
  simulated: boolean;
  copy_of: string | null;
  redelivery_of: string | null;
  created_at: string;
  first_attempt_at: string | null;
  next_attempt_at: string | null;
  finished_at: string | null;
  failure_reason: string | null;
  attempts: AttemptJson[];
  /** The envelope as sent (§10.2). */
  envelope: {
    metadata: { event_id: string; event_type: string } & Record<string, unknown>;
    payload: unknown;
  };
}

export function deliveryToJson(d: Delivery): DeliveryJson {
  return {
    delivery_id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    webhook_id: d.webhookId,
    url: d.url,
    subject_account_id: d.subjectAccountId,
    payment_request_id: d.paymentRequestId,
    status: d.status,
    simulated: d.simulated,
    copy_of: d.copyOf,
    redelivery_of: d.redeliveryOf,
    created_at: rfc3339(d.createdAt),
    first_attempt_at: orNull(d.firstAttemptAt),
    next_attempt_at: orNull(d.nextAttemptAt),
    finished_at: orNull(d.finishedAt),
    failure_reason: d.failureReason,
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      at: rfc3339(a.at),
      duration_ms: Math.round(a.durationMs * 1000) / 1000,
      status_code: a.statusCode,
      error: a.error,
      signature_valid: a.signatureValid,
      success: a.success,
    })),
    envelope: JSON.parse(d.body.toString('utf8')) as DeliveryJson['envelope'],
  };
}

/** Keeps the most recent deliveries; finished ones beyond `capacity` are forgotten oldest first. */
export class DeliveryLog {
  private readonly byId = new Map<string, Delivery>();

  constructor(private readonly capacity = 10_000) {}

  add(d: Delivery): void {
    this.byId.set(d.id, d);
    if (this.byId.size <= this.capacity) return;
    for (const [id, old] of this.byId) {
      if (this.byId.size <= this.capacity) break;
      if (old.status === 'DELIVERED' || old.status === 'FAILED') this.byId.delete(id);
    }
  }

  get(id: string): Delivery | undefined {
    return this.byId.get(id);
  }

  /** Whether `d` is still on record (false after a reset): forgotten deliveries make no more attempts. */
  holds(d: Delivery): boolean {
    return this.byId.get(d.id) === d;
  }

  clear(): void {
    this.byId.clear();
  }

  list(filter: DeliveryFilter): Delivery[] {
    return [...this.byId.values()].filter(
      (d) =>
        (filter.event_type === undefined || d.eventType === filter.event_type) &&
        (filter.payment_request_id === undefined || d.paymentRequestId === filter.payment_request_id) &&
        (filter.status === undefined || d.status === filter.status) &&
        (filter.webhook_id === undefined || d.webhookId === filter.webhook_id) &&
        (filter.event_id === undefined || d.eventId === filter.event_id),
    );
  }
}
