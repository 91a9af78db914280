// What PostgreSQL said when Prisma rejected a write, read from the driver adapter's error: the
// SQLSTATE and the constraint involved. Repositories use it to turn a unique violation they
// expect (a duplicate code) into a tagged result instead of an exception.
import { Prisma } from './generated/prisma/client.js';

export interface DatabaseError {
  /** SQLSTATE, e.g. 23505 unique_violation, 23503 foreign_key_violation, 23514 check_violation. */
  readonly sqlState: string;
  /** The violated index or constraint when PostgreSQL named one. */
  readonly constraint: string | undefined;
  readonly message: string;
}

interface AdapterCause {
  originalCode?: unknown;
  originalMessage?: unknown;
  constraint?: { index?: unknown; name?: unknown };
}

export function databaseError(error: unknown): DatabaseError | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  const adapterError = error.meta?.['driverAdapterError'] as { cause?: AdapterCause } | undefined;
  const cause = adapterError?.cause;
  if (cause === undefined || typeof cause.originalCode !== 'string') return null;
  const message = typeof cause.originalMessage === 'string' ? cause.originalMessage : error.message;
  const named = cause.constraint?.index ?? cause.constraint?.name;
  const quoted = /constraint "([^"]+)"/.exec(message)?.[1];
  return {
    sqlState: cause.originalCode,
    constraint: typeof named === 'string' ? named : quoted,
    message,
  };
}

/** True when `error` is a unique violation, of `constraint` when one is given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const found = databaseError(error);
  return found?.sqlState === '23505' && (constraint === undefined || found.constraint === constraint);
}
