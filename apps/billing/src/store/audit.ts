// The audit trail: one append-only row per mutation (the database refuses UPDATE and DELETE on
// it). Written in the same transaction as the change it records.
import { Prisma } from './generated/prisma/client.js';
import type { Tx } from './db.js';
import type { RawTx } from './raw-tx.js';

export type ActorKind = 'API_KEY' | 'OPERATOR' | 'SYSTEM' | 'KLARNA';

/** Who did it: an API key id, an operator id, a system role name (`worker`), or Klarna. */
export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
}

export const systemActor = (role: string): Actor => ({ kind: 'SYSTEM', id: role });
export const KLARNA_ACTOR: Actor = { kind: 'KLARNA', id: 'klarna' };

export interface AuditEntry {
  readonly actor: Actor;
  readonly merchantId: string | null;
  readonly subscriptionId?: string | null;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: string;
  /** Plain JSON only: never a secret (Secrets serialize as a marker, and tests scan for leaks). */
  readonly before?: Prisma.InputJsonValue | null;
  readonly after?: Prisma.InputJsonValue | null;
  readonly at: Date;
}

export async function audit(tx: RawTx, entry: AuditEntry): Promise<void> {
  await tx.$executeRaw(auditInsert(entry));
}

/**
 * The INSERT of one audit row, as a statement of its own or a step of a larger one (a
 * data-modifying WITH), so that a change and its audit row go in one round trip. `onlyIf`, a
 * condition on the larger statement's other steps, writes the row only when it holds.
 */
export function auditInsert(entry: AuditEntry, onlyIf?: Prisma.Sql): Prisma.Sql {
  const json = (value: Prisma.InputJsonValue | null | undefined) =>
    value === undefined || value === null ? null : JSON.stringify(value);
  return Prisma.sql`
    INSERT INTO "AuditEvent" ("merchantId", "subscriptionId", "actorKind", "actorId", "entityType", "entityId",
      action, before, after, "createdAt")
    SELECT ${entry.merchantId}::uuid, ${entry.subscriptionId ?? null}::uuid, ${entry.actor.kind}::"ActorKind",
      ${entry.actor.id}::text, ${entry.entityType}::text, ${entry.entityId}::text, ${entry.action}::text,
      ${json(entry.before)}::jsonb, ${json(entry.after)}::jsonb, ${entry.at}::timestamptz
    ${onlyIf === undefined ? Prisma.empty : Prisma.sql`WHERE ${onlyIf}`}`;
}

export async function auditMany(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length > 0) await tx.auditEvent.createMany({ data: entries.map(auditRow) });
}

function auditRow(entry: AuditEntry): Prisma.AuditEventCreateManyInput {
  return {
    merchantId: entry.merchantId,
    subscriptionId: entry.subscriptionId ?? null,
    actorKind: entry.actor.kind,
    actorId: entry.actor.id,
    entityType: entry.entityType,
    entityId: entry.entityId,
    action: entry.action,
    ...(entry.before === undefined || entry.before === null ? {} : { before: entry.before }),
    ...(entry.after === undefined || entry.after === null ? {} : { after: entry.after }),
    createdAt: entry.at,
  };
}
