// The ops server of a role without an HTTP server of its own (worker, scheduler), from its
// process dependencies: readiness is PostgreSQL and Redis answering, metrics its registry.
import { metricsSource } from './metrics-source.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { startOpsServer, type OpsServer } from './ops-server.js';
import type { Readiness } from './readiness.js';

export async function startRoleOpsServer(deps: {
  readonly log: Logger;
  readonly registry: Registry;
  readonly ready: () => Promise<Readiness>;
  readonly host: string;
  /** Unset: no server. */
  readonly port: number | undefined;
}): Promise<OpsServer | null> {
  if (deps.port === undefined) return null;
  const server = await startOpsServer({
    host: deps.host,
    port: deps.port,
    metrics: metricsSource(deps.registry),
    ready: deps.ready,
  });
  deps.log.info({ url: server.url }, 'ops endpoints listening (/healthz, /readyz, /metrics)');
  return server;
}
