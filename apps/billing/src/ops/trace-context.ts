// A trace id for every unit of work (an HTTP request, a job, a scheduler tick), carried in
// AsyncLocalStorage and added to every log line written meanwhile (the logger's mixin), so an
// operator can pull one request's or one job's lines out of a role's log. Not OpenTelemetry: the
// id is W3C-shaped (32 hex digits) and taken from an incoming `traceparent` header when there is
// one, so a future OTel SDK can take over without changing what the logs look like.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

interface TraceContext {
  readonly traceId: string;
}

const storage = new AsyncLocalStorage<TraceContext>();

/** Runs `work` (and everything it starts) under a trace id. */
export function runWithTrace<T>(traceId: string, work: () => T): T {
  return storage.run({ traceId }, work);
}

export function currentTraceId(): string | undefined {
  return storage.getStore()?.traceId;
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
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
 * Fastify options and hook: the request id is the trace id (so Fastify's own request lines carry it
 * as `reqId`), and the rest of the request's lifecycle runs under it (so every other line does).
 */
export const traceRequestIds = {
  genReqId: (request: IncomingMessage): string => traceIdFrom(request.headers.traceparent),
};

/** Fastify `onRequest` hook (callback style, so the lifecycle continues inside the context). */
export function traceRequest(request: { readonly id: string }, _reply: unknown, done: () => void): void {
  runWithTrace(request.id, done);
}

/** The logger's mixin: `{ traceId }` inside a unit of work, nothing outside (pino writes into the
 * object it is given, so it is a fresh one each line). */
export function traceLogFields(): object {
  const context = storage.getStore();
  return context === undefined ? {} : { traceId: context.traceId };
}
