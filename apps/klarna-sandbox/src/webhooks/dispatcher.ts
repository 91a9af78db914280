// Turns state changes into webhook deliveries (CONTRACT.md §10) and drives each delivery's
// attempts: the first at once (or after the delay/hold faults), retries on the simulated clock, so
// POST /__sim/clock/advance runs 12 hours of retries in a moment. Signing and sending live in
// sender.ts; the fault injection in faults.ts, reorder.ts and attempt-faults.ts.
//
// Ordering: first attempts to one webhook are sent one at a time in event order, so by default a
// receiver sees a payment request's events in the order they happened; retries run independently.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock, SimTimer } from '../clock.js';
import { conflict, notFound } from '../errors.js';
import type { PartnerEvent } from '../events.js';
import type { NotificationRegistry, Webhook } from '../notifications/registry.js';
import { createDelivery, type Delivery, DeliveryLog, type NewDelivery } from './delivery-log.js';
import { newEventId, serializeEnvelope } from './envelope.js';
import { planAttempt } from './attempt-faults.js';
import { WebhookFaults, type WebhookFaultsBody } from './faults.js';
import { HeldEvents, isFinalRequestState } from './reorder.js';
import { attemptDueAt, isSuccessStatus } from './retry-schedule.js';
import { WebhookSender, type PostResult } from './sender.js';

export interface DispatcherDeps {
  clock: SimClock;
  registry: NotificationRegistry;
  acquirerAccountId: string;
  log: FastifyBaseLogger;
}

export interface OutgoingEvent {
  eventType: string;
  occurredAt: number;
  subjectAccountId: string;
  payload: object;
}

/** The dispatcher only peeks at a payload to group a payment request's events (reorder fault). */
const payloadField = (payload: object, name: string): unknown => (payload as Record<string, unknown>)[name];

export class WebhookDispatcher {
  readonly faults = new WebhookFaults();
  readonly deliveries = new DeliveryLog();
  private readonly timers = new Set<SimTimer>();
  private readonly sender = new WebhookSender();
  /** Per webhook: the tail of its chain of first attempts. */
  private readonly firstAttemptQueues = new Map<string, Promise<void>>();
  /** Reorder fault: events held per (webhook, payment request). */
  private readonly held: HeldEvents;
  private closed = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.held = new HeldEvents({
      now: () => deps.clock.now(),
      schedule: (dueAt, fn) => this.schedule(dueAt, fn),
      order: (deliveries, mode) => this.faults.order(deliveries, mode),
      release: (d) => this.release(d, true),
    });
  }

  /** The SandboxEvents listener: synchronous, never throws, never waits for the network. */
  onStateChanged(event: PartnerEvent): void {
    try {
      this.publish(
        {
          eventType: event.eventType,
          occurredAt: event.occurredAt,
          subjectAccountId: event.accountId,
          payload: event.payload,
        },
        { simulated: false },
      );
    } catch (err) {
      this.deps.log.error({ err, eventType: event.eventType }, 'webhook dispatch failed');
    }
  }

  /**
   * Creates one delivery per subscribed ENABLED webhook (or only `only`), sharing one event_id.
   * Simulated test events skip the event-level faults (duplicates, reorder, delay).
   */
  publish(event: OutgoingEvent, opts: { simulated: boolean; only?: Webhook }): Delivery[] {
    if (this.closed) return [];
    const recipients = opts.only ? [opts.only] : this.deps.registry.recipientsOf(event.eventType);
    if (recipients.length === 0) return [];
    const eventId = newEventId();
    const prId = payloadField(event.payload, 'payment_request_id');
    const paymentRequestId = typeof prId === 'string' ? prId : null;
    const created: Delivery[] = [];
    for (const webhook of recipients) {
      const body = serializeEnvelope({
        eventId,
        eventType: event.eventType,
        occurredAt: event.occurredAt,
        subjectAccountId: event.subjectAccountId,
        recipientAccountId: this.deps.acquirerAccountId,
        webhookId: webhook.id,
        payload: event.payload,
      });
      const copies = opts.simulated ? 1 : this.faults.copies;
      const group: Delivery[] = [];
      for (let i = 0; i < copies; i++) {
        group.push(
          this.newDelivery({
            eventId,
            eventType: event.eventType,
            webhook,
            subjectAccountId: event.subjectAccountId,
            paymentRequestId,
            body,
            simulated: opts.simulated,
            copyOf: group[0]?.id ?? null,
            redeliveryOf: null,
          }),
        );
      }
      created.push(...group);
      const reorder = opts.simulated ? undefined : this.faults.reorder;
      if (reorder && paymentRequestId !== null) {
        this.held.hold(
          `${webhook.id}|${paymentRequestId}`,
          group,
          reorder,
          isFinalRequestState(payloadField(event.payload, 'state')),
        );
      } else {
        for (const d of group) void this.release(d, !opts.simulated);
      }
    }
    return created;
  }

  /** Sends a stored delivery again as a new delivery: same bytes, same event_id. */
  redeliver(deliveryId: string): Delivery {
    const original = this.deliveries.get(deliveryId);
    if (!original) throw notFound(`Delivery ${deliveryId} does not exist`);
    const webhook = this.deps.registry.webhook(original.webhookId);
    if (!webhook) {
      throw conflict(`Webhook ${original.webhookId} no longer exists`);
    }
    const copy = this.newDelivery({
      eventId: original.eventId,
      eventType: original.eventType,
      webhook,
      subjectAccountId: original.subjectAccountId,
      paymentRequestId: original.paymentRequestId,
      body: original.body,
      simulated: original.simulated,
      copyOf: null,
      redeliveryOf: original.id,
    });
    void this.release(copy, false);
    return copy;
  }

  /** Replaces the fault set; events held by a previous reorder fault are released at once. */
  setFaults(config: WebhookFaultsBody): void {
    this.faults.replace(config);
    this.held.releaseAll();
  }

  /** POST /__sim/reset: forget deliveries and faults; pending attempts are cancelled. */
  reset(): void {
    this.stopActivity();
    this.deliveries.clear();
    this.faults.replace({});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopActivity();
    await Promise.allSettled([...this.firstAttemptQueues.values()]);
  }

  private stopActivity(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.held.drop();
    this.sender.abortAll();
  }

  private newDelivery(init: NewDelivery): Delivery {
    const d = createDelivery(init, this.deps.clock.now());
    this.deliveries.add(d);
    return d;
  }

  /**
   * Queues the first attempt, after the delay fault when `applyDelay`. Resolves when that attempt
   * is done, or at once when it waits for the delay (the delay's timer awaits it instead).
   */
  private release(d: Delivery, applyDelay: boolean): Promise<void> {
    d.status = 'PENDING';
    const delay = applyDelay ? this.faults.delayMs : 0;
    if (delay === 0) return this.enqueueFirstAttempt(d);
    const dueAt = this.deps.clock.now() + delay;
    d.nextAttemptAt = dueAt;
    this.schedule(dueAt, () => this.enqueueFirstAttempt(d));
    return Promise.resolve();
  }

  private enqueueFirstAttempt(d: Delivery): Promise<void> {
    const key = d.webhookId;
    const next = (this.firstAttemptQueues.get(key) ?? Promise.resolve()).then(() => this.attemptSafely(d));
    this.firstAttemptQueues.set(key, next);
    void next.then(() => {
      if (this.firstAttemptQueues.get(key) === next) this.firstAttemptQueues.delete(key);
    });
    return next;
  }

  /** An attempt whose unexpected failure is logged, never an unhandled rejection. */
  private async attemptSafely(d: Delivery): Promise<void> {
    try {
      await this.attempt(d);
    } catch (err) {
      this.deps.log.error({ err, deliveryId: d.id }, 'webhook attempt failed unexpectedly');
    }
  }

  /** One attempt. On failure schedules the next attempt or gives up. */
  private async attempt(d: Delivery): Promise<void> {
    if (this.closed || d.status !== 'PENDING' || !this.deliveries.holds(d)) return;
    const webhook = this.deps.registry.webhook(d.webhookId);
    const key = webhook && this.deps.registry.signingKey(webhook.signingKeyId);
    if (!webhook || !key) {
      this.finish(d, 'FAILED', 'WEBHOOK_DELETED');
      return;
    }
    const attempt = d.attempts.length + 1;
    const at = this.deps.clock.now();
    d.firstAttemptAt ??= at;
    d.nextAttemptAt = null;
    const plan = planAttempt(this.faults, key.secret);
    const started = performance.now();
    const result: PostResult = plan.dropped
      ? { statusCode: null, error: 'SIMULATED_TIMEOUT' }
      : await this.sender.post({
          url: webhook.url,
          body: d.body,
          signingKeyId: key.id,
          secret: plan.secret,
          timeoutMs: this.faults.receiverTimeoutMs,
        });
    if (!this.deliveries.holds(d)) return; // reset while the attempt was in flight
    const success = result.statusCode !== null && isSuccessStatus(result.statusCode);
    d.attempts.push({
      attempt,
      at,
      durationMs: performance.now() - started,
      statusCode: result.statusCode,
      error: result.error,
      signatureValid: plan.signatureValid,
      success,
    });
    if (success) return this.finish(d, 'DELIVERED', null);
    if (this.closed) return;
    const dueAt = attemptDueAt(d.firstAttemptAt, attempt + 1);
    if (dueAt === undefined) return this.finish(d, 'FAILED', 'RETRIES_EXHAUSTED');
    d.nextAttemptAt = dueAt;
    this.schedule(dueAt, () => this.attemptSafely(d));
  }

  private finish(d: Delivery, status: 'DELIVERED' | 'FAILED', reason: string | null): void {
    d.status = status;
    d.failureReason = reason;
    d.nextAttemptAt = null;
    d.finishedAt = this.deps.clock.now();
  }

  /** A clock timer that forgets itself when it fires and is cancelled on close. */
  private schedule(dueAt: number, fn: () => Promise<void>): SimTimer {
    const timer: SimTimer = this.deps.clock.at(dueAt, async () => {
      this.timers.delete(timer);
      if (!this.closed) await fn();
    });
    this.timers.add(timer);
    return timer;
  }
}
