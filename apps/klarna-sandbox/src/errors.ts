// What a service throws when it refuses: a kind and a reason, no HTTP. The one error handler
// (http/error-handler.ts) maps each kind to a status and the contract's error code (§12, §18).

export interface ValidationError {
  parameter: string;
  reason: string;
}

export type RefusalKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict';

export class SandboxError extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** For `invalid`: every failing parameter, named. */
    readonly problems: readonly ValidationError[] = [],
  ) {
    super(message);
  }
}

/** A refusal of the Payment Transaction API, which spells its errors as §18 does. */
export class TransactionError extends SandboxError {}

export const INVALID_PARAMETERS = 'One or more parameters are invalid';

export const invalid = (problems: readonly ValidationError[]): SandboxError =>
  new SandboxError('invalid', INVALID_PARAMETERS, problems);
export const notFound = (message: string): SandboxError => new SandboxError('not_found', message);
export const conflict = (message: string): SandboxError => new SandboxError('conflict', message);
