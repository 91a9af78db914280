// §18 error spellings (CONTRACT.md §18.2, [C-KPYSDK] vocabulary, adopted over §12.2's INFERRED codes).
import { SandboxHttpError } from '../contracts.js';
import { INVALID_PARAMETERS } from '../http/error-format.js';
import type { Refusal } from './rules.js';

export const transactionNotFound = (id: string): SandboxHttpError =>
  new SandboxHttpError(404, 'RESOURCE_NOT_FOUND', `Payment transaction ${id} not found`);

export function refusalError(refusal: Refusal): SandboxHttpError {
  switch (refusal.kind) {
    case 'forbidden':
      return new SandboxHttpError(403, 'OPERATION_FORBIDDEN', refusal.reason, [], 'RESOURCE_ERROR');
    case 'not_found':
      return new SandboxHttpError(404, 'RESOURCE_NOT_FOUND', refusal.reason);
    case 'invalid':
      return new SandboxHttpError(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, [
        { parameter: refusal.parameter, reason: refusal.reason },
      ]);
  }
}
