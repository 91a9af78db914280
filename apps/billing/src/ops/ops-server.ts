// The operations endpoints of a role without an HTTP server of its own (worker, scheduler):
// /healthz (the process runs), /readyz (its dependencies answer; 503 names the failing ones) and
// /metrics (Prometheus text). Plain node:http: three GET routes do not need Fastify, and the
// server must never compete with the role's real work. Listens on loopback unless told otherwise.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from './metrics-source.js';
import type { Readiness } from './readiness.js';

export interface OpsServerOptions {
  readonly host: string;
  /** 0: any free port (the bound one is in `url`). */
  readonly port: number;
  /** The /metrics answer (metricsSource over the role's registry). */
  readonly metrics: MetricsSource;
  readonly ready: () => Promise<Readiness>;
}

export interface OpsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    void route(options, request, response).catch(() => {
      // A probe or a scrape that throws (Redis gone mid-collect): an answer, never a crash.
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

async function route(options: OpsServerOptions, request: IncomingMessage, response: ServerResponse) {
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (path) {
    case '/healthz':
      return sendJson(response, 200, { status: 'ok' });
    case '/readyz': {
      const readiness = await options.ready();
      return sendJson(response, readiness.ok ? 200 : 503, {
        status: readiness.ok ? 'ready' : 'not_ready',
        checks: readiness.checks,
      });
    }
    case '/metrics': {
      const { contentType, body } = await options.metrics();
      return send(response, 200, contentType, body);
    }
    default:
      return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
