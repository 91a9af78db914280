// Tracing on, in one process: units of work are spans, log lines carry their trace id, an HTTP
// request continues its caller's traceparent, a Klarna call is a client span under the work that
// made it (operation, outcome, status; nothing secret). Spans are read back from a test exporter.
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KlarnaHttp } from '../klarna/http.js';
import { capturingLogger } from '../klarna/klarna.test-support.js';
import { Secret } from '../secrets/secret.js';
import { klarnaCallSpans } from './klarna-call-spans.js';
import { inUnitOfWork } from './trace-context.js';
import { captureLog, tracedRequest } from './trace-context.test-support.js';
import { startTracing, type Tracing } from './tracing.js';

class CollectingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans.push(...spans);
    done({ code: 0 }); // SUCCESS
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let exporter: CollectingExporter;
let tracing: Tracing;
beforeEach(() => {
  exporter = new CollectingExporter();
  tracing = startTracing('test', { OTEL_SDK_DISABLED: 'false' }, exporter);
});
afterEach(async () => {
  await tracing.shutdown();
});

/** Every span ended so far (the batch processor exports them on shutdown). */
async function finishedSpans(): Promise<ReadableSpan[]> {
  await tracing.shutdown();
  return exporter.spans;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('tracing on', () => {
  it('gives BullMQ its telemetry hook and names the service after the role', async () => {
    expect(tracing.bullmq).toBeDefined();
    await inUnitOfWork('tick', () => Promise.resolve());
    const [span] = await finishedSpans();
    expect(span?.resource.attributes['service.name']).toBe('rebill-test');
  });

  it("a unit of work is a span; its log lines carry the span's trace id; a Klarna call is its child", async () => {
    const { lines, log } = captureLog();
    const tracer = tracing.tracer;
    if (tracer === null) throw new Error('tracing is on');
    // Port 9 (discard) refuses on loopback: a CONNECTION failure without any server.
    const http = new KlarnaHttp({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      logger: capturingLogger(),
      observer: klarnaCallSpans(tracer),
    });
    const token = 'krn:partner:global:customer-token:secret-0123';
    try {
      await inUnitOfWork('tick', async () => {
        log.info('inside');
        await http.send({
          operation: 'authorize',
          method: 'POST',
          path: '/x',
          idempotencyKey: 'key-1',
          body: { amount: 1 },
          customerToken: Secret.wrap('klarna-customer-token', token),
        });
      });
    } finally {
      await http.close();
    }
    log.info('outside');
    const spans = await finishedSpans();
    const tick = spans.find((s) => s.name === 'tick');
    const call = spans.find((s) => s.name === 'klarna authorize');
    expect(tick?.parentSpanContext).toBeUndefined();
    expect(call?.spanContext().traceId).toBe(tick?.spanContext().traceId);
    expect(call?.parentSpanContext?.spanId).toBe(tick?.spanContext().spanId);
    expect(call?.attributes).toEqual({
      'rebill.klarna.operation': 'authorize',
      'rebill.klarna.outcome': 'connection',
    });
    expect(call?.status.code).toBe(2); // ERROR
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))).not.toContain('secret-0123');
    expect(lines.map((l) => [l.msg, l.traceId])).toEqual([
      ['inside', tick?.spanContext().traceId],
      ['outside', undefined],
    ]);
  });

  it("an HTTP request's span continues the caller's traceparent; its handler's lines carry that trace id", async () => {
    const { lines, log } = captureLog();
    expect(await tracedRequest(log, '/things/42?secret=no', `00-${TRACE}-${PARENT_SPAN}-01`)).toBe(200);
    expect(lines.find((l) => l.msg === 'handler')?.traceId).toBe(TRACE);
    const [span] = (await finishedSpans()).filter((s) => s.name.startsWith('GET'));
    expect(span?.name).toBe('GET /things/:id');
    expect(span?.spanContext().traceId).toBe(TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(span?.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/things/:id',
      'http.response.status_code': 200,
    });
  });
});

describe('tracing off again', () => {
  it('a unit of work runs under an id of its own, and nothing is exported', async () => {
    await tracing.shutdown();
    const { lines, log } = captureLog();
    await inUnitOfWork('tick', () => {
      log.info('inside');
      return Promise.resolve();
    });
    expect(lines[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(exporter.spans).toEqual([]);
  });
});
