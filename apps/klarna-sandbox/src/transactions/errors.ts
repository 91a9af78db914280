// The transaction service's refusals as TransactionErrors: the error handler spells them as §18
// does (http/refusals.ts).
import { INVALID_PARAMETERS, TransactionError } from '../errors.js';
import type { Refusal } from './rules.js';

export const transactionNotFound = (id: string): TransactionError =>
  new TransactionError('not_found', `Payment transaction ${id} not found`);

export function refusalError(refusal: Refusal): TransactionError {
  switch (refusal.kind) {
    case 'forbidden':
      return new TransactionError('forbidden', refusal.reason);
    case 'not_found':
      return new TransactionError('not_found', refusal.reason);
    case 'invalid':
      return new TransactionError('invalid', INVALID_PARAMETERS, [
        { parameter: refusal.parameter, reason: refusal.reason },
      ]);
  }
}
