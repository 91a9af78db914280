// The adopted error body (CONTRACT.md §12.1): a superset of Klarna's documented variants.
import { randomUUID } from 'node:crypto';

import type { ValidationError } from '../errors.js';

export type { ValidationError } from '../errors.js';

export interface ErrorBody {
  error_id: string;
  error_type: string;
  error_code: string;
  error_message: string;
  validation_errors?: ValidationError[];
}

/** error_type per HTTP status, from the four types of [D-ERR]. */
export function errorTypeFor(status: number): string {
  if (status === 401 || status === 403) return 'ACCESS_ERROR';
  if (status === 404 || status === 409) return 'RESOURCE_ERROR';
  if (status >= 400 && status < 429) return 'INPUT_ERROR';
  return 'TECHNICAL_ERROR';
}

export function errorBody(
  status: number,
  errorCode: string,
  message: string,
  validationErrors: readonly ValidationError[] = [],
  errorType: string = errorTypeFor(status),
): ErrorBody {
  const body: ErrorBody = {
    error_id: randomUUID(),
    error_type: errorType,
    error_code: errorCode,
    error_message: message,
  };
  if (validationErrors.length > 0) body.validation_errors = [...validationErrors];
  return body;
}

export { INVALID_PARAMETERS } from '../errors.js';
