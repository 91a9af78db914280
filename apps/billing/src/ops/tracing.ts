// OpenTelemetry tracing of a role process, started first thing by its composition root and shut
// down (spans flushed) last thing on its graceful stop. Off unless configured (ops/tracing-config.ts):
// then nothing is registered, BullMQ gets no telemetry hook and the Klarna client and the
// transactions no span observers, so the hot paths do no tracing work at all.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { traceWith } from './trace-context.js';
import { tracesUrl, type TracingConfig } from './tracing-config.js';

export interface Tracing {
  /** Null when tracing is off. */
  readonly tracer: Tracer | null;
  /** BullMQ's `telemetry` option for every Queue and Worker: a job's span continues its producer's trace. */
  readonly bullmq: Telemetry | undefined;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { tracer: null, bullmq: undefined, shutdown: () => Promise.resolve() };

/** Starts tracing for `rebill-<role>` when configured; `exporter` replaces OTLP (tests). */
export function startTracing(role: string, config: TracingConfig, exporter?: SpanExporter): Tracing {
  const url = tracesUrl(config);
  const spans = exporter ?? (url === null ? null : new OTLPTraceExporter({ url }));
  if (spans === null) return OFF;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `rebill-${role}`, 'service.namespace': 'rebill' }),
    // Batched: a span costs the traced path a buffer push, never a request to the collector.
    spanProcessors: [new BatchSpanProcessor(spans)],
  });
  // The context manager (AsyncLocalStorage) and the W3C traceparent propagator BullMQ's hook uses.
  provider.register();
  const tracer = trace.getTracer('rebill');
  traceWith(tracer);
  return {
    tracer,
    bullmq: new BullMQOtel({ tracerName: 'rebill-bullmq' }),
    async shutdown() {
      traceWith(null);
      await provider.shutdown();
      // Unregistered, so a later start in the same process (tests) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
