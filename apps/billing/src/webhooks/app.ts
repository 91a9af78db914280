// The webhooks role's HTTP face: Klarna's notifications in (raw body, signature verified over the
// bytes as received), health for an orchestrator. An event is acknowledged (200) only once it is
// stored; it is then applied in the background, and a failed or interrupted apply is picked up by
// the scheduler's sweep. Closing the app waits for the applies in flight.
import { endRequestTrace, traceRequest, traceRequestIds } from '../ops/trace-context.js';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { KLARNA_SIGNATURE_HEADER, KLARNA_SIGNING_KEY_ID_HEADER } from '../klarna/webhook-signature.js';
import type { MetricsSource } from '../ops/metrics-source.js';
import type { ReceivedEvent } from './apply-event.js';
import { ingestKlarnaWebhook, type IngestDeps } from './ingest.js';

export const KLARNA_WEBHOOK_PATH = '/klarna/webhooks';
/** Klarna's bodies are small; anything this large is not a notification. */
const BODY_LIMIT_BYTES = 256 * 1024;

export interface WebhooksAppDeps extends IngestDeps {
  readonly log: Logger;
  /** Applies a stored event (after the answer was sent), from what the ingester has in hand. */
  readonly apply: (received: ReceivedEvent) => Promise<unknown>;
  readonly ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** Told of every notification (metrics): its result and, once stored, its lag in seconds. */
  readonly observer?: WebhookIngestObserver;
  /** Answers GET /metrics (Prometheus text) when given. */
  readonly metrics?: MetricsSource;
}

export interface WebhookIngestObserver {
  received(result: 'stored' | 'duplicate' | 'rejected', lagSeconds: number | null): void;
}

export function buildWebhooksApp(deps: WebhooksAppDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    // No per-request log lines: one per rejected webhook is enough, and the hot path stays lean.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    ...traceRequestIds,
  });
  app.addHook('onRequest', traceRequest);
  app.addHook('onResponse', endRequestTrace);
  const inFlight = new Set<Promise<unknown>>();

  // The signature covers the raw bytes: never let a parser touch them first.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(KLARNA_WEBHOOK_PATH, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = await ingestKlarnaWebhook(deps, {
      rawBody,
      signingKeyId: header(request.headers[KLARNA_SIGNING_KEY_ID_HEADER]),
      signature: header(request.headers[KLARNA_SIGNATURE_HEADER]),
    });
    deps.observer?.received(
      result.kind,
      result.kind === 'stored'
        ? (deps.clock.now().getTime() - result.received.row.occurredAt.getTime()) / 1_000
        : null,
    );
    switch (result.kind) {
      case 'rejected':
        deps.log.warn({ field: result.field, reason: result.reason }, 'webhook rejected');
        return reply
          .code(result.status)
          .type('application/problem+json')
          .send({
            type: 'https://rebill.dev/problems/webhook-rejected',
            title: 'Webhook rejected',
            status: result.status,
            detail: `${result.field}: ${result.reason}`,
            errors: [{ field: result.field, message: result.reason }],
          });
      case 'duplicate':
        return reply.code(200).send({ received: true, duplicate: true });
      case 'stored': {
        const applying = deps.apply(result.received).catch((error: unknown) => {
          deps.log.error(
            { err: error, webhookEventId: result.webhookEventId },
            'inline apply failed; the sweep retries it',
          );
        });
        inFlight.add(applying);
        void applying.finally(() => inFlight.delete(applying));
        return reply.code(200).send({ received: true, duplicate: false });
      }
    }
  });

  app.get('/healthz', () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = await deps.ready();
    return reply.code(readiness.ok ? 200 : 503).send(readiness);
  });
  const { metrics } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  }

  app.addHook('onClose', async () => {
    await Promise.allSettled([...inFlight]);
  });
  return app;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
