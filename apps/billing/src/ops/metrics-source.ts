// A scrape of one registry, as the HTTP apps (api, webhooks, the ops server) answer GET /metrics.
import type { Registry } from 'prom-client';

export type MetricsSource = () => Promise<{ contentType: string; body: string }>;

export function metricsSource(registry: Registry): MetricsSource {
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() });
}
