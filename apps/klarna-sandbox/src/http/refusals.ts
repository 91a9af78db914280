// The HTTP face of a service's refusal (errors.ts): status, error_type and error_code. The v2
// endpoints use §12.2's codes; the Payment Transaction API §18's ([C-KPYSDK] spellings).
import { TransactionError, type RefusalKind, type SandboxError } from '../errors.js';

export interface RefusalHttp {
  status: number;
  errorType: string;
  errorCode: string;
}

const CLASSIC: Record<RefusalKind, RefusalHttp> = {
  invalid: { status: 400, errorType: 'INPUT_ERROR', errorCode: 'VALIDATION_ERROR' },
  not_found: { status: 404, errorType: 'RESOURCE_ERROR', errorCode: 'NOT_FOUND' },
  forbidden: { status: 403, errorType: 'ACCESS_ERROR', errorCode: 'FORBIDDEN' },
  conflict: { status: 409, errorType: 'RESOURCE_ERROR', errorCode: 'CONFLICT' },
};

const SECTION_18: Record<RefusalKind, RefusalHttp> = {
  invalid: { status: 400, errorType: 'INPUT_ERROR', errorCode: 'VALIDATION_ERROR' },
  not_found: { status: 404, errorType: 'RESOURCE_ERROR', errorCode: 'RESOURCE_NOT_FOUND' },
  forbidden: { status: 403, errorType: 'RESOURCE_ERROR', errorCode: 'OPERATION_FORBIDDEN' },
  conflict: { status: 409, errorType: 'RESOURCE_ERROR', errorCode: 'RESOURCE_CONFLICT' },
};

export function refusalHttp(error: SandboxError): RefusalHttp {
  return (error instanceof TransactionError ? SECTION_18 : CLASSIC)[error.kind];
}
