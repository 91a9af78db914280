// Readiness: the database answers a trivial query; and which failures mean "not up (yet)".
import type { Db } from './db.js';

export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

/** Driver-adapter error kinds of a server that is down, restarting or full, not misconfigured. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/** PostgreSQL's "cannot connect now" (starting up, shutting down, recovering) and admin shutdown. */
const UNAVAILABLE_CODES = new Set(['57P03', '57P01']);

/**
 * True for a failure that waiting can cure (the server is down or restarting); false for one it
 * cannot (a wrong password, a missing database), which should stop a process at once.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } })
    ?.meta?.driverAdapterError?.cause;
  if (cause === undefined) return false;
  return (
    (typeof cause.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) ||
    (cause.kind === 'postgres' && typeof cause.code === 'string' && UNAVAILABLE_CODES.has(cause.code))
  );
}
