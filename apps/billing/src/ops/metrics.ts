// Rebill's metrics, each defined once here and registered on the Registry a composition root
// passes in (never prom-client's global one: tests and several roles in one process stay apart).
// What the business code sees are the small observer interfaces of the modules it lives in; the
// functions below adapt those to prom-client, so only this directory imports it.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ChargeOutcomeClass } from '../domain/decline-classification.js';
import type { KlarnaCallObserver } from '../klarna/http.js';
import type { RenewalObserver } from '../renewal/deps.js';
import type { SweepObserver } from '../scheduler/loop.js';
import type { WebhookIngestObserver } from '../webhooks/app.js';

/** Klarna answers in tens of ms to seconds; the request timeout is 30 s by default. */
const KLARNA_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** From Klarna's event time to our receipt: seconds usually, hours when Klarna retried. */
const LAG_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 1_800, 3_600, 21_600, 86_400];
/** A tick is a few statements and an addBulk: ms, or seconds when it is full. */
const SWEEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function klarnaCallMetrics(registry: Registry): KlarnaCallObserver {
  const duration = new Histogram({
    name: 'rebill_klarna_request_duration_seconds',
    help: 'Klarna API calls by operation and outcome (2xx, 4xx, 429, 5xx, timeout, connection, unreadable_response).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: KLARNA_BUCKETS,
    registers: [registry],
  });
  return { onCall: (operation, outcome, seconds) => duration.observe({ operation, outcome }, seconds) };
}

/** The worker's job results: renewal runs (with their decline reasons) and charge money runs. */
export function workerMetrics(registry: Registry): {
  renewals: RenewalObserver;
  renewalRun: (kind: string, result: string) => void;
  chargeMoneyRun: (result: string) => void;
} {
  const runs = new Counter({
    name: 'rebill_renewal_runs_total',
    help: 'Renewal next-action jobs by kind (RENEWAL, DUNNING_RETRY, ...) and runRenewalAction result.',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const declines = new Counter({
    name: 'rebill_charge_declines_total',
    help: 'Recorded renewal charge declines by category (HARD, SOFT) and Klarna result reason.',
    labelNames: ['category', 'reason'] as const,
    registers: [registry],
  });
  const money = new Counter({
    name: 'rebill_charge_money_runs_total',
    help: 'Charge money jobs (captures, refunds, voids) by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  return {
    renewals: {
      settled(outcome: ChargeOutcomeClass) {
        if (outcome.kind !== 'DECLINED') return;
        declines.inc({ category: outcome.category, reason: reasonLabel(outcome.reason) });
      },
    },
    renewalRun: (kind, result) => runs.inc({ kind, result }),
    chargeMoneyRun: (result) => money.inc({ result }),
  };
}

/** Klarna's reason is free text on the wire: only well-formed codes become labels (bounded series). */
function reasonLabel(reason: string | null): string {
  if (reason === null) return 'NONE';
  return /^[A-Z0-9_]{1,64}$/.test(reason) ? reason : 'OTHER';
}

export function webhookIngestMetrics(registry: Registry): WebhookIngestObserver {
  const received = new Counter({
    name: 'rebill_webhooks_received_total',
    help: 'Klarna notifications received by result (stored, duplicate, rejected).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'rebill_webhook_ingest_lag_seconds',
    help: "From a stored event's own timestamp (Klarna's) to its receipt, on Rebill's clock.",
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  return {
    received(result, lagSeconds) {
      received.inc({ result });
      // A sender's clock a little ahead of ours is not negative lag.
      if (lagSeconds !== null) lag.observe(Math.max(0, lagSeconds));
    },
  };
}

export function sweepMetrics(registry: Registry): SweepObserver {
  const duration = new Histogram({
    name: 'rebill_sweep_duration_seconds',
    help: 'Scheduler ticks by outcome (ok, failed), the clock refresh included.',
    labelNames: ['outcome'] as const,
    buckets: SWEEP_BUCKETS,
    registers: [registry],
  });
  const swept = new Counter({
    name: 'rebill_swept_rows_total',
    help: 'Rows the scheduler leased and enqueued, by kind (next_action, webhook_event, charge_money, webhook_delivery).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  // Zero series exist from the start, so a rate() over a quiet scheduler reads 0, not nothing.
  for (const kind of ['next_action', 'webhook_event', 'charge_money', 'webhook_delivery'])
    swept.inc({ kind }, 0);
  return {
    tick(counts, seconds) {
      duration.observe({ outcome: counts === null ? 'failed' : 'ok' }, seconds);
      if (counts === null) return;
      if (counts.nextActions > 0) swept.inc({ kind: 'next_action' }, counts.nextActions);
      if (counts.webhookEvents > 0) swept.inc({ kind: 'webhook_event' }, counts.webhookEvents);
      if (counts.charges > 0) swept.inc({ kind: 'charge_money' }, counts.charges);
      if (counts.webhookDeliveries > 0) swept.inc({ kind: 'webhook_delivery' }, counts.webhookDeliveries);
    },
  };
}
