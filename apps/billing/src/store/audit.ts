// The audit trail: one append-only row per mutation (the database refuses UPDATE and DELETE on
// it). Written in the same transaction as the change it records, together with the outbox events
// for merchants' webhooks that the entry reports (store/outbox.ts), in the same statement.
import { Prisma } from './generated/prisma/client.js';
import type { Tx } from './db.js';
import type { RawTx } from './raw-tx.js';
import { outboxEventsOf, outboxInsert } from './outbox.js';

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
  const events = outboxEventsOf(entry);
  await tx.$executeRaw(
    events.length === 0
      ? auditRowInsert(entry)
      : Prisma.sql`WITH audited AS (${auditRowInsert(entry)}) ${outboxInsert(events)}`,
  );
}

/**
 * The audit row and its outbox events as steps of a data-modifying WITH (`name AS (...)`, and
 * `name_outbox AS (...)` when the entry reports events), comma-separated; see auditInsert.
 */
export function auditSteps(name: string, entry: AuditEntry, onlyIf?: Prisma.Sql): Prisma.Sql {
  const events = outboxEventsOf(entry);
  const audited = Prisma.sql`${Prisma.raw(name)} AS (${auditRowInsert(entry, onlyIf)})`;
  return events.length === 0
    ? audited
    : Prisma.sql`${audited}, ${Prisma.raw(`${name}_outbox`)} AS (${outboxInsert(events, onlyIf)})`;
}

/**
 * The INSERT of one audit row, as a statement of its own or a step of a larger one (a
 * data-modifying WITH), so that a change and its audit row go in one round trip. `onlyIf`, a
 * condition on the larger statement's other steps, writes the row only when it holds.
 */
export function auditInsert(entry: AuditEntry, onlyIf?: Prisma.Sql): Prisma.Sql {
  // An entry that reports events must write them too: auditSteps does both.
  if (outboxEventsOf(entry).length > 0)
    throw new Error(`audit ${entry.action}: use auditSteps (outbox events)`);
  return auditRowInsert(entry, onlyIf);
}

function auditRowInsert(entry: AuditEntry, onlyIf?: Prisma.Sql): Prisma.Sql {
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
  const events = entries.flatMap(outboxEventsOf);
  if (events.length > 0) await tx.$executeRaw(outboxInsert(events));
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
