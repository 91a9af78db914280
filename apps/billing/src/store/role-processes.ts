// Running role processes (api, webhooks, worker, scheduler) and the clock generation each one has
// applied, so a clock advance can wait until every live process runs on the new time.
//
// startedAt and lastSeenAt are the database's now(): liveness is real time, never the virtual
// clock, and one clock for every host means no skew between them.
import type { Db } from './db.js';

export interface RoleProcessRow {
  readonly id: string;
  readonly role: string;
  readonly pid: number;
  readonly hostname: string;
  readonly clockGeneration: number;
  readonly startedAt: Date;
  readonly lastSeenAt: Date;
}

export interface RoleProcessBeat {
  readonly id: string;
  readonly role: string;
  readonly pid: number;
  readonly hostname: string;
  readonly clockGeneration: number;
}

/**
 * Registers the process or refreshes its heartbeat (re-registering it if its row was removed).
 * The generation never moves back, so a slow heartbeat cannot undo a newer one.
 */
export async function beatRoleProcess(db: Db, beat: RoleProcessBeat): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "RoleProcess" (id, role, pid, hostname, "clockGeneration", "startedAt", "lastSeenAt")
    VALUES (${beat.id}::uuid, ${beat.role}, ${beat.pid}, ${beat.hostname}, ${beat.clockGeneration}, now(), now())
    ON CONFLICT (id) DO UPDATE SET
      "lastSeenAt" = now(),
      "clockGeneration" = GREATEST("RoleProcess"."clockGeneration", EXCLUDED."clockGeneration")`;
}

export async function deleteRoleProcess(db: Db, id: string): Promise<void> {
  await db.$executeRaw`DELETE FROM "RoleProcess" WHERE id = ${id}::uuid`;
}

/** Processes that sent a heartbeat within `withinMs` of the database's now, oldest first. */
export async function listLiveRoleProcesses(db: Db, withinMs: number): Promise<RoleProcessRow[]> {
  return db.$queryRaw<RoleProcessRow[]>`
    SELECT id::text AS id, role, pid, hostname, "clockGeneration", "startedAt", "lastSeenAt"
    FROM "RoleProcess"
    WHERE "lastSeenAt" > now() - make_interval(secs => ${withinMs / 1000}::float8)
    ORDER BY "startedAt", id`;
}
