// A trace id for every unit of work (an HTTP request, a job, a scheduler tick), added to every log
// line written meanwhile (the logger's mixin), so an operator can pull one request's or one job's
// lines out of a role's log.
//
// With OpenTelemetry tracing on (ops/tracing.ts hands its tracer to `traceWith`), each unit of work
// is a span and the id is the active span's trace id: the one an incoming `traceparent` or a job
// enqueued under a trace carries, and the one the exported spans have. With tracing off, no span
// is made (the OTel API stays a no-op); the id is then a W3C-shaped one of our own, taken from an
// incoming `traceparent` when there is one, held in AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

interface TraceContext {
  readonly traceId: string;
}

const storage = new AsyncLocalStorage<TraceContext>();

/** The tracer units of work are spans of; null while tracing is off. */
let tracer: Tracer | null = null;

/** Called once by the composition root when tracing starts (and with null when it stops). */
export function traceWith(next: Tracer | null): void {
  tracer = next;
}

/** Runs `work` (and everything it starts) under a trace id of our own (tracing off). */
export function runWithTrace<T>(traceId: string, work: () => T): T {
  return storage.run({ traceId }, work);
}

/** The active span's trace id, else the one of our own, else none (outside any unit of work). */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (span !== undefined && isSpanContextValid(span)) return span.traceId;
  return storage.getStore()?.traceId;
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Runs a unit of work (a scheduler tick, a job) under a trace: a new span when tracing is on
 * (none when a recording span is active already, e.g. BullMQ's job span), a new id when it is off.
 */
export function inUnitOfWork<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (tracer === null) return runWithTrace(newTraceId(), work);
  if (trace.getActiveSpan()?.isRecording() === true) return work();
  return tracer.startActiveSpan(name, (span) => endSpanAfter(span, work));
}

/**
 * Runs database work in a client span of its own when tracing is on, as it is when off (a null
 * check). `client` tells Prisma's transactions from the pipelined ones; statements are not
 * recorded (their values are customers' data).
 */
export function inDatabaseSpan<T>(client: 'prisma' | 'pipelined', work: () => Promise<T>): Promise<T> {
  if (tracer === null) return work();
  return tracer.startActiveSpan(
    'pg transaction',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': 'TRANSACTION',
        'rebill.db.client': client,
      },
    },
    (span) => endSpanAfter(span, work),
  );
}

/** Ends `span` when `work` settles; a throw marks it failed. */
export async function endSpanAfter<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // The error's class only: a message may quote what was being processed.
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'thrown' });
    throw error;
  } finally {
    span.end();
  }
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C `traceparent` header, or a new one when it is absent or malformed. */
export function traceIdFrom(traceparent: string | string[] | undefined): string {
  const value = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const id = value === undefined ? undefined : TRACEPARENT.exec(value.trim())?.[1];
  // All zeros is invalid per the specification.
  return id === undefined || /^0+$/.test(id) ? newTraceId() : id;
}

/**
 * Fastify options: the request id is the caller's trace id when it sent a `traceparent` (so
 * Fastify's own request lines carry it as `reqId`), else a new id (with tracing off, the trace id).
 */
export const traceRequestIds = {
  genReqId: (request: IncomingMessage): string => traceIdFrom(request.headers.traceparent),
};

interface TracedRequest {
  readonly id: string;
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly routeOptions: { readonly url?: string | undefined };
}

const requestSpans = new WeakMap<object, Span>();

/**
 * Fastify `onRequest` hook (callback style, so the rest of the lifecycle runs inside the
 * context): a server span continuing the caller's `traceparent` with tracing on, the request id
 * as trace id with it off.
 */
export function traceRequest(request: TracedRequest, _reply: unknown, done: () => void): void {
  if (tracer === null) return runWithTrace(request.id, done);
  const parent = propagation.extract(context.active(), request.headers);
  // The route pattern, never the path: ids and query strings stay out of span names.
  const route = request.routeOptions.url;
  const span = tracer.startSpan(
    route === undefined ? request.method : `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        ...(route === undefined ? {} : { 'http.route': route }),
      },
    },
    parent,
  );
  requestSpans.set(request, span);
  context.with(trace.setSpan(parent, span), done);
}

/** Fastify `onResponse` hook: ends the request's span with its status code. */
export function endRequestTrace(
  request: TracedRequest,
  reply: { readonly statusCode: number },
  done: () => void,
): void {
  const span = requestSpans.get(request);
  if (span !== undefined) {
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
  done();
}

/** The logger's mixin: `{ traceId }` inside a unit of work, nothing outside (pino writes into the
 * object it is given, so it is a fresh one each line). */
export function traceLogFields(): object {
  const traceId = currentTraceId();
  return traceId === undefined ? {} : { traceId };
}
