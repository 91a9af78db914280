// A role's metrics registry, made once by its composition root and passed down. Every series
// carries the role's name, so one Prometheus job can scrape all four roles of a host.
import { collectDefaultMetrics, Registry } from 'prom-client';

export function roleRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  // Process CPU, memory, event loop lag, GC: the usual first questions about a slow role.
  collectDefaultMetrics({ register: registry, prefix: 'rebill_' });
  return registry;
}
