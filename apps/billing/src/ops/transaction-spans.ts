// A span per pipelined PostgreSQL transaction (the renewal hot path's two per charge), installed
// by the composition root only when tracing is on. The statements are not recorded: their values
// are customers' data.
import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { PipelinedTransactions } from '../store/pipelined-transaction.js';
import { endSpanAfter } from './trace-context.js';

export function tracedTransactions(tracer: Tracer, inner: PipelinedTransactions): PipelinedTransactions {
  return {
    run: (fn) =>
      tracer.startActiveSpan(
        'pg transaction',
        {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'TRANSACTION' },
        },
        (span) => endSpanAfter(span, () => inner.run(fn)),
      ),
    close: () => inner.close(),
  };
}
