// Operators of the dashboard and their sessions. Each change is audited with its actor (the CLI for
// create and disable, the operator for sign-in and sign-out); operators belong to no merchant.
import type { PasswordHash } from '../operators/password.js';
import { audit, type Actor } from './audit.js';
import { isUniqueViolation } from './database-errors.js';
import { inTransaction, type Db } from './db.js';

export type OperatorRole = 'ADMIN' | 'VIEWER';

export interface OperatorRow {
  readonly id: string;
  readonly email: string;
  readonly role: OperatorRole;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
}

const OPERATOR_SELECT = { id: true, email: true, role: true, disabledAt: true, createdAt: true } as const;

export const operatorActor = (operatorId: string): Actor => ({ kind: 'OPERATOR', id: operatorId });

export type CreateOperatorResult =
  { readonly kind: 'created'; readonly operator: OperatorRow } | { readonly kind: 'duplicate_email' };

export async function createOperator(
  db: Db,
  input: { email: string; role: OperatorRole; password: PasswordHash; actor: Actor; at: Date },
): Promise<CreateOperatorResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const operator = await tx.operator.create({
        data: {
          email: input.email,
          role: input.role,
          passwordHash: new Uint8Array(input.password.hash),
          passwordSalt: new Uint8Array(input.password.salt),
          scryptN: input.password.n,
          scryptR: input.password.r,
          scryptP: input.password.p,
          createdAt: input.at,
        },
        select: OPERATOR_SELECT,
      });
      await audit(tx, {
        actor: input.actor,
        merchantId: null,
        entityType: 'operator',
        entityId: operator.id,
        action: 'operator.created',
        after: { email: operator.email, role: operator.role },
        at: input.at,
      });
      return { kind: 'created', operator } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'Operator_email_key')) return { kind: 'duplicate_email' };
    throw error;
  }
}

export type DisableOperatorResult =
  | { readonly kind: 'disabled'; readonly operator: OperatorRow }
  | { readonly kind: 'already_disabled' }
  | { readonly kind: 'not_found' };

/** Disables the operator and ends every session of theirs at once. */
export async function disableOperator(
  db: Db,
  input: { email: string; actor: Actor; at: Date },
): Promise<DisableOperatorResult> {
  return inTransaction(db, async (tx) => {
    const found = await tx.operator.findUnique({ where: { email: input.email }, select: OPERATOR_SELECT });
    if (found === null) return { kind: 'not_found' };
    if (found.disabledAt !== null) return { kind: 'already_disabled' };
    const operator = await tx.operator.update({
      where: { id: found.id },
      data: { disabledAt: input.at },
      select: OPERATOR_SELECT,
    });
    await tx.operatorSession.deleteMany({ where: { operatorId: found.id } });
    await audit(tx, {
      actor: input.actor,
      merchantId: null,
      entityType: 'operator',
      entityId: found.id,
      action: 'operator.disabled',
      before: { disabled: false },
      after: { disabled: true },
      at: input.at,
    });
    return { kind: 'disabled', operator };
  });
}

/** An enabled operator and their password hash, for signing in. */
export async function findOperatorForLogin(
  db: Db,
  email: string,
): Promise<{ operator: OperatorRow; password: PasswordHash } | null> {
  const row = await db.operator.findUnique({ where: { email } });
  if (row === null || row.disabledAt !== null) return null;
  return {
    operator: {
      id: row.id,
      email: row.email,
      role: row.role,
      disabledAt: row.disabledAt,
      createdAt: row.createdAt,
    },
    password: {
      hash: Buffer.from(row.passwordHash),
      salt: Buffer.from(row.passwordSalt),
      n: row.scryptN,
      r: row.scryptR,
      p: row.scryptP,
    },
  };
}

export interface SessionRow {
  readonly operator: OperatorRow;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

/** Starts a session (audited as the operator's sign-in); expired sessions are swept on the way. */
export async function createOperatorSession(
  db: Db,
  input: { idHash: Buffer; operatorId: string; csrfToken: string; at: Date; expiresAt: Date },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.operatorSession.deleteMany({ where: { expiresAt: { lte: input.at } } });
    await tx.operatorSession.create({
      data: {
        idHash: new Uint8Array(input.idHash),
        operatorId: input.operatorId,
        csrfToken: input.csrfToken,
        createdAt: input.at,
        expiresAt: input.expiresAt,
      },
    });
    await audit(tx, {
      actor: operatorActor(input.operatorId),
      merchantId: null,
      entityType: 'operator',
      entityId: input.operatorId,
      action: 'operator.signed_in',
      at: input.at,
    });
  });
}

/** The live session with this id hash: not expired, its operator not disabled. */
export async function findOperatorSession(db: Db, idHash: Buffer, now: Date): Promise<SessionRow | null> {
  const row = await db.operatorSession.findUnique({
    where: { idHash: new Uint8Array(idHash) },
    select: { csrfToken: true, expiresAt: true, operator: { select: OPERATOR_SELECT } },
  });
  if (row === null || row.expiresAt <= now || row.operator.disabledAt !== null) return null;
  return row;
}

export async function endOperatorSession(db: Db, idHash: Buffer, at: Date): Promise<void> {
  await inTransaction(db, async (tx) => {
    const ended = await tx.operatorSession.findUnique({
      where: { idHash: new Uint8Array(idHash) },
      select: { operatorId: true },
    });
    if (ended === null) return;
    await tx.operatorSession.delete({ where: { idHash: new Uint8Array(idHash) } });
    await audit(tx, {
      actor: operatorActor(ended.operatorId),
      merchantId: null,
      entityType: 'operator',
      entityId: ended.operatorId,
      action: 'operator.signed_out',
      at,
    });
  });
}
