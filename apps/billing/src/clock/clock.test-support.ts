// Shared by the clock's tests: a silent logger, a poll-until helper and the shared clock's rows.
import { pino, type Logger } from 'pino';
import type { Db } from '../store/db.js';

export const silentLog: Logger = pino({ level: 'silent' });

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 5_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Settles after `ms` real milliseconds. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts the shared clock back to offset 0, generation 0, and forgets every registered process. */
export async function resetSharedClock(db: Db): Promise<void> {
  await db.$executeRaw`DELETE FROM "RoleProcess"`;
  await db.$executeRaw`DELETE FROM "ClockState"`;
}

/** A process that registered and then never follows the clock (a hung or partitioned process). */
export async function registerSilentProcess(
  db: Db,
  p: { id: string; role: string; pid: number; lastSeenAgoMs?: number },
): Promise<void> {
  const ago = (p.lastSeenAgoMs ?? 0) / 1000;
  await db.$executeRaw`
    INSERT INTO "RoleProcess" (id, role, pid, hostname, "clockGeneration", "startedAt", "lastSeenAt")
    VALUES (${p.id}::uuid, ${p.role}, ${p.pid}, 'test-host', 0, now(), now() - make_interval(secs => ${ago}::float8))`;
}
