// A span per pipelined PostgreSQL transaction (the renewal hot path's two per charge), installed
// by the composition root only when tracing is on, so that path does not even check for it.
import type { PipelinedTransactions } from '../store/pipelined-transaction.js';
import { inDatabaseSpan } from './trace-context.js';

export function tracedTransactions(inner: PipelinedTransactions): PipelinedTransactions {
  return {
    run: (fn) => inDatabaseSpan('pipelined', () => inner.run(fn)),
    close: () => inner.close(),
  };
}
