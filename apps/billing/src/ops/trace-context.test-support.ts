// Helpers of the trace tests: a logger whose lines are kept as objects, and one request through a
// Fastify app traced as the api's and webhooks' apps are.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { createLogger } from '../config/logger.js';
import { endRequestTrace, traceRequest, traceRequestIds } from './trace-context.js';

export function captureLog(): { lines: Record<string, unknown>[]; log: Logger } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, log: createLogger({ level: 'info', name: 'test', destination: stream }) };
}

/** GET `url` with a `traceparent`; the route `/things/:id` logs 'handler' after an await. */
export async function tracedRequest(log: Logger, url: string, traceparent: string): Promise<number> {
  const app = Fastify({ loggerInstance: log, ...traceRequestIds });
  app.addHook('onRequest', traceRequest);
  app.addHook('onResponse', endRequestTrace);
  app.get('/things/:id', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    log.info('handler');
    return { ok: true };
  });
  try {
    const response = await app.inject({ method: 'GET', url, headers: { traceparent } });
    return response.statusCode;
  } finally {
    await app.close();
  }
}
