// Typed domain errors. Each carries a stable `code`; validation errors also name the offending
// field so the API layer can answer a 4xx that says what was wrong without parsing messages.

export type DomainErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_MONEY'
  | 'UNKNOWN_CURRENCY'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_TIME_ZONE'
  | 'INVALID_DUNNING_POLICY'
  | 'ILLEGAL_TRANSITION';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `retryOffsetsHours.2`. */
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: maps to HTTP 400 with `issues`. Subclasses only narrow the code. */
export class DomainValidationError extends DomainError {
  readonly code: DomainErrorCode = 'INVALID_INPUT';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    const first = issues[0];
    super(first ? `${first.field}: ${first.message}` : 'invalid input');
    this.issues = issues;
  }

  /** The first offending field. */
  get field(): string {
    return this.issues[0]?.field ?? '';
  }
}

export class InvalidInputError extends DomainValidationError {
  constructor(field: string, message: string) {
    super([{ field, message }]);
  }
}

export class InvalidMoneyError extends DomainValidationError {
  override readonly code = 'INVALID_MONEY';
  constructor(field: string, message: string) {
    super([{ field, message }]);
  }
}

export class UnknownCurrencyError extends DomainValidationError {
  override readonly code = 'UNKNOWN_CURRENCY';
  constructor(
    readonly currency: string,
    field = 'currency',
  ) {
    super([{ field, message: `unknown or unsupported ISO 4217 currency "${currency}"` }]);
  }
}

export class InvalidTimeZoneError extends DomainValidationError {
  override readonly code = 'INVALID_TIME_ZONE';
  constructor(
    readonly zone: string,
    field = 'timeZone',
  ) {
    super([{ field, message: `"${zone}" is not a valid IANA time zone` }]);
  }
}

export class InvalidDunningPolicyError extends DomainValidationError {
  override readonly code = 'INVALID_DUNNING_POLICY';
}

/** Arithmetic or comparison across two currencies: a caller bug or a mixed basket, never silently converted. */
export class CurrencyMismatchError extends DomainError {
  readonly code = 'CURRENCY_MISMATCH';
  constructor(
    readonly left: string,
    readonly right: string,
  ) {
    super(`currency mismatch: ${left} vs ${right}`);
  }
}

export type StateMachineName = 'subscription' | 'chargeAttempt';

/** An event a state does not accept. The state is left untouched; maps to HTTP 409 at the API. */
export class IllegalTransitionError<
  From extends string = string,
  Event extends string = string,
> extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly machine: StateMachineName,
    readonly from: From,
    readonly event: Event,
    readonly reason: string,
  ) {
    super(`${machine}: ${event} is not allowed in ${from} (${reason})`);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
