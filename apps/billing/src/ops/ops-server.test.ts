// The ops server of the worker and the scheduler, over real HTTP on a free loopback port.
import { metricsSource } from './metrics-source.js';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from './ops-server.js';
import type { Readiness } from './readiness.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(ready: () => Promise<Readiness>, registry = new Registry()): Promise<OpsServer> {
  server = await startOpsServer({ host: '127.0.0.1', port: 0, metrics: metricsSource(registry), ready });
  return server;
}

const allOk = () => Promise.resolve({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });

describe('ops server', () => {
  it('/healthz answers 200 while the process runs', async () => {
    const { url } = await start(() => Promise.reject(new Error('never asked')));
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with every check when all dependencies answer', async () => {
    const { url } = await start(allOk);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('/readyz answers 503 naming the dependency that does not answer', async () => {
    const { url } = await start(() =>
      Promise.resolve({ ok: false, checks: { postgres: 'ok', redis: 'unreachable' } }),
    );
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'not_ready',
      checks: { postgres: 'ok', redis: 'unreachable' },
    });
  });

  it('/readyz answers 500, and the server lives on, when the probe itself throws', async () => {
    const { url } = await start(() => Promise.reject(new Error('bug')));
    expect((await fetch(`${url}/readyz`)).status).toBe(500);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("/metrics answers the registry's series in Prometheus text format", async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'test_things_total', help: 'things', registers: [registry] });
    counter.inc(3);
    const { url } = await start(allOk, registry);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('test_things_total 3');
  });

  it('answers 404 elsewhere and 405 to anything but GET', async () => {
    const { url } = await start(allOk);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('close() frees the port even with a keep-alive connection open', async () => {
    const started = await start(allOk);
    await fetch(`${started.url}/healthz`);
    await started.close();
    server = undefined;
    await expect(fetch(`${started.url}/healthz`)).rejects.toThrow();
  });
});
