// The five columns that hold vault ciphertext, each beside the id of the vault key that sealed it,
// for `rebill vault reseal`: counts per key id, pages of rows under any key but the active one
// (keyset by id), and a compare-and-set write that changes a row only while it still holds the
// ciphertext that was read, so a concurrent writer is never overwritten.
import { Prisma } from './generated/prisma/client.js';
import type { Db } from './db.js';

export const SEALED_TABLES = [
  'CustomerToken',
  'KlarnaSigningKey',
  'WebhookEvent',
  'ChargeAttempt',
  'WebhookEndpointSecret',
] as const;
export type SealedTable = (typeof SEALED_TABLES)[number];

/** Column names; fixed here, never from input, so they can be spliced into SQL. */
const COLUMNS: Record<SealedTable, { readonly ciphertext: string; readonly keyId: string }> = {
  CustomerToken: { ciphertext: 'encryptedToken', keyId: 'keyId' },
  KlarnaSigningKey: { ciphertext: 'encryptedSecret', keyId: 'keyId' },
  WebhookEvent: { ciphertext: 'sealedSecrets', keyId: 'sealedKeyId' },
  ChargeAttempt: { ciphertext: 'sealedSessionToken', keyId: 'sealedKeyId' },
  WebhookEndpointSecret: { ciphertext: 'sealedSecret', keyId: 'sealedKeyId' },
};

/** `"Table"."column"` names as the database knows them, e.g. for reports. */
export function sealedColumnName(table: SealedTable): string {
  return `${table}.${COLUMNS[table].ciphertext}`;
}

export interface SealedValue {
  /** '' when the row has a ciphertext but no key id (no such key can open it). */
  readonly keyId: string;
  readonly ciphertext: Buffer;
}

export interface SealedRow extends SealedValue {
  readonly id: string;
}

function identifiers(table: SealedTable): { t: Prisma.Sql; ct: Prisma.Sql; key: Prisma.Sql } {
  const { ciphertext, keyId } = COLUMNS[table];
  return { t: Prisma.raw(`"${table}"`), ct: Prisma.raw(`"${ciphertext}"`), key: Prisma.raw(`"${keyId}"`) };
}

/** How many ciphertexts each key id holds in `table` (rows without a ciphertext are not counted). */
export async function countSealedByKeyId(db: Db, table: SealedTable): Promise<Record<string, number>> {
  const { t, ct, key } = identifiers(table);
  const rows = await db.$queryRaw<{ keyId: string; n: number }[]>`
    SELECT coalesce(${key}, '') AS "keyId", count(*)::int AS n
    FROM ${t} WHERE ${ct} IS NOT NULL GROUP BY 1 ORDER BY 1`;
  return Object.fromEntries(rows.map((r) => [r.keyId, r.n]));
}

/** The next `limit` rows after `afterId` (by id) whose ciphertext is under a key other than `activeKeyId`. */
export async function readSealedPage(
  db: Db,
  table: SealedTable,
  page: { readonly activeKeyId: string; readonly afterId: string | null; readonly limit: number },
): Promise<SealedRow[]> {
  const { t, ct, key } = identifiers(table);
  const after = page.afterId === null ? Prisma.empty : Prisma.sql`AND id > ${page.afterId}::uuid`;
  const rows = await db.$queryRaw<{ id: string; keyId: string; ciphertext: Uint8Array }[]>`
    SELECT id::text AS id, coalesce(${key}, '') AS "keyId", ${ct} AS ciphertext
    FROM ${t}
    WHERE ${ct} IS NOT NULL AND ${key} IS DISTINCT FROM ${page.activeKeyId} ${after}
    ORDER BY id LIMIT ${page.limit}`;
  return rows.map(toSealedRow);
}

/** One row's ciphertext as it is now; null when the row is gone or holds none. */
export async function readSealedRow(db: Db, table: SealedTable, id: string): Promise<SealedRow | null> {
  const { t, ct, key } = identifiers(table);
  const rows = await db.$queryRaw<{ id: string; keyId: string; ciphertext: Uint8Array }[]>`
    SELECT id::text AS id, coalesce(${key}, '') AS "keyId", ${ct} AS ciphertext
    FROM ${t} WHERE id = ${id}::uuid AND ${ct} IS NOT NULL`;
  const row = rows[0];
  return row === undefined ? null : toSealedRow(row);
}

/**
 * Replaces the row's ciphertext and key id with `next` only if it still holds exactly `expected`
 * (one statement, so one short transaction of its own). False when another writer changed it.
 */
export async function compareAndSetSealed(
  db: Db,
  table: SealedTable,
  id: string,
  expected: SealedValue,
  next: SealedValue,
): Promise<boolean> {
  const { t, ct, key } = identifiers(table);
  const updated = await db.$executeRaw`
    UPDATE ${t} SET ${ct} = ${next.ciphertext}, ${key} = ${next.keyId}
    WHERE id = ${id}::uuid AND coalesce(${key}, '') = ${expected.keyId} AND ${ct} = ${expected.ciphertext}`;
  return updated === 1;
}

function toSealedRow(row: { id: string; keyId: string; ciphertext: Uint8Array }): SealedRow {
  return { id: row.id, keyId: row.keyId, ciphertext: Buffer.from(row.ciphertext) };
}
