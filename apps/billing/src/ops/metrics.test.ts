// The adapters from the business modules' observers to prom-client, read back from the registry.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KlarnaHttp } from '../klarna/http.js';
import { capturingLogger } from '../klarna/klarna.test-support.js';
import { klarnaCallMetrics, sweepMetrics, webhookIngestMetrics, workerMetrics } from './metrics.js';

async function values(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  // Histograms name each value (…_bucket, …_sum, …_count); counters leave it undefined.
  return (metric?.values ?? []).map((v) => ({
    labels: v.labels,
    value: v.value,
    name: (v as { metricName?: string }).metricName,
  }));
}

describe('metrics', () => {
  it('times a Klarna call in the HTTP door, labelled by operation and outcome', async () => {
    const registry = new Registry();
    // Port 9 (discard) refuses on loopback: a CONNECTION failure without any server.
    const http = new KlarnaHttp({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      logger: capturingLogger(),
      observer: klarnaCallMetrics(registry),
    });
    try {
      await http.send({ operation: 'read_payment_request', method: 'GET', path: '/x' });
    } finally {
      await http.close();
    }
    const series = await values(registry, 'rebill_klarna_request_duration_seconds');
    expect(series).toContainEqual({
      name: 'rebill_klarna_request_duration_seconds_count',
      labels: { operation: 'read_payment_request', outcome: 'connection' },
      value: 1,
    });
  });

  it('counts renewal runs, charge money runs, and declines with bounded reasons', async () => {
    const registry = new Registry();
    const metrics = workerMetrics(registry);
    metrics.renewalRun('RENEWAL', 'CHARGED');
    metrics.renewalRun('RENEWAL', 'CHARGED');
    metrics.chargeMoneyRun('IDLE');
    const declined = { kind: 'DECLINED', customerAction: 'NONE' } as const;
    metrics.renewals.settled({ ...declined, category: 'SOFT', reason: 'INSUFFICIENT_FUNDS' });
    metrics.renewals.settled({ ...declined, category: 'HARD', reason: null });
    metrics.renewals.settled({ ...declined, category: 'HARD', reason: 'free text, not a code' });
    metrics.renewals.settled({ kind: 'APPROVED' });

    expect(await values(registry, 'rebill_renewal_runs_total')).toEqual([
      { name: undefined, labels: { kind: 'RENEWAL', result: 'CHARGED' }, value: 2 },
    ]);
    expect(await values(registry, 'rebill_charge_money_runs_total')).toEqual([
      { name: undefined, labels: { result: 'IDLE' }, value: 1 },
    ]);
    expect((await values(registry, 'rebill_charge_declines_total')).map((v) => v.labels)).toEqual([
      { category: 'SOFT', reason: 'INSUFFICIENT_FUNDS' },
      { category: 'HARD', reason: 'NONE' },
      { category: 'HARD', reason: 'OTHER' },
    ]);
  });

  it('counts webhooks by result and observes the lag of stored ones, never below zero', async () => {
    const registry = new Registry();
    const observer = webhookIngestMetrics(registry);
    observer.received('stored', 12);
    observer.received('stored', -3);
    observer.received('rejected', null);
    expect(await values(registry, 'rebill_webhooks_received_total')).toEqual([
      { name: undefined, labels: { result: 'stored' }, value: 2 },
      { name: undefined, labels: { result: 'rejected' }, value: 1 },
    ]);
    const lag = await values(registry, 'rebill_webhook_ingest_lag_seconds');
    expect(lag.find((v) => v.name === 'rebill_webhook_ingest_lag_seconds_sum')?.value).toBe(12);
    expect(lag.find((v) => v.name === 'rebill_webhook_ingest_lag_seconds_count')?.value).toBe(2);
  });

  it('times sweeps and counts swept rows by kind, zero series from the start', async () => {
    const registry = new Registry();
    const observer = sweepMetrics(registry);
    expect((await values(registry, 'rebill_swept_rows_total')).map((v) => v.value)).toEqual([0, 0, 0, 0]);
    observer.tick(
      { nextActions: 4, webhookEvents: 0, charges: 1, webhookDeliveries: 2, backlogFull: false },
      0.02,
    );
    observer.tick(null, 0.5);
    expect(await values(registry, 'rebill_swept_rows_total')).toEqual([
      { name: undefined, labels: { kind: 'next_action' }, value: 4 },
      { name: undefined, labels: { kind: 'webhook_event' }, value: 0 },
      { name: undefined, labels: { kind: 'charge_money' }, value: 1 },
      { name: undefined, labels: { kind: 'webhook_delivery' }, value: 2 },
    ]);
    const counts = (await values(registry, 'rebill_sweep_duration_seconds')).filter(
      (v) => v.name === 'rebill_sweep_duration_seconds_count',
    );
    expect(counts.map((v) => [v.labels, v.value])).toEqual([
      [{ outcome: 'ok' }, 1],
      [{ outcome: 'failed' }, 1],
    ]);
  });
});
