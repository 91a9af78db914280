// A span per Klarna call, made from the HTTP door's observer once the call has ended (start time
// set back by its duration): the Klarna client stays free of any tracing library, and costs
// nothing when tracing is off (this observer is then not installed). Operation, outcome and
// status only: never a header, a token, a path with ids or a body.
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { KlarnaCallObserver } from '../klarna/http.js';

export function klarnaCallSpans(tracer: Tracer): KlarnaCallObserver {
  return {
    onCall(operation, outcome, seconds, status) {
      const endedAt = performance.timeOrigin + performance.now();
      const span = tracer.startSpan(`klarna ${operation}`, {
        kind: SpanKind.CLIENT,
        startTime: endedAt - seconds * 1_000,
        attributes: {
          'rebill.klarna.operation': operation,
          'rebill.klarna.outcome': outcome,
          ...(status === null ? {} : { 'http.response.status_code': status }),
        },
      });
      if (outcome !== '2xx') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end(endedAt);
    },
  };
}

/** Both observers, for a process that measures and traces its Klarna calls. */
export function bothKlarnaObservers(
  first: KlarnaCallObserver,
  second: KlarnaCallObserver,
): KlarnaCallObserver {
  return {
    onCall(operation, outcome, seconds, status) {
      first.onCall(operation, outcome, seconds, status);
      second.onCall(operation, outcome, seconds, status);
    },
  };
}
