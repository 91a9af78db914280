// CustomerToken rows: ciphertext, key id, keyed fingerprint. The vault is the only caller.
import { auditInsert, type AuditEntry } from './audit.js';
import { Prisma, type CustomerToken } from './generated/prisma/client.js';
import type { Tx } from './db.js';
import type { RawTx } from './raw-tx.js';

export interface CustomerTokenRowInput {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly encryptedToken: Buffer;
  readonly keyId: string;
  readonly tokenFingerprint: string;
  readonly scopes: string[];
  readonly reference: string;
  readonly createdAt: Date;
}

export async function findCustomerTokenRow(
  tx: Tx,
  merchantId: string,
  tokenFingerprint: string,
): Promise<{ id: string; customerId: string } | null> {
  return tx.customerToken.findUnique({
    where: { merchantId_tokenFingerprint: { merchantId, tokenFingerprint } },
    select: { id: true, customerId: true },
  });
}

/**
 * Inserts the row, with its audit row, unless the merchant already holds the same token
 * (fingerprint): one statement. True when inserted (and audited).
 */
export async function insertCustomerTokenRow(
  tx: Tx,
  row: CustomerTokenRowInput,
  auditEntry: AuditEntry,
): Promise<boolean> {
  const [result] = await tx.$queryRaw<{ inserted: number }[]>`
    WITH token AS (
      INSERT INTO "CustomerToken" (id, "merchantId", "customerId", "encryptedToken", "keyId", "tokenFingerprint",
                                   scopes, status, reference, "createdAt")
      VALUES (${row.id}::uuid, ${row.merchantId}::uuid, ${row.customerId}::uuid, ${row.encryptedToken},
              ${row.keyId}, ${row.tokenFingerprint}, ${row.scopes}::text[], 'ACTIVE', ${row.reference}, ${row.createdAt})
      ON CONFLICT ("merchantId", "tokenFingerprint") DO NOTHING
      RETURNING id),
    audited AS (${auditInsert(auditEntry, Prisma.sql`EXISTS (SELECT 1 FROM token)`)} RETURNING id)
    SELECT count(*)::int AS inserted FROM token`;
  return result?.inserted === 1;
}

export async function findCustomerTokenById(
  tx: Tx,
  merchantId: string,
  tokenId: string,
): Promise<CustomerToken | null> {
  return tx.customerToken.findFirst({ where: { id: tokenId, merchantId } });
}

export async function touchCustomerToken(tx: RawTx, tokenId: string, at: Date): Promise<void> {
  await tx.$executeRaw`UPDATE "CustomerToken" SET "lastUsedAt" = ${at}::timestamptz WHERE id = ${tokenId}::uuid`;
}

export type CustomerTokenListRow = Pick<
  CustomerToken,
  'id' | 'status' | 'scopes' | 'createdAt' | 'lastUsedAt' | 'revokedAt'
>;

/** A customer's tokens, newest first, without their ciphertext; null when no such customer. */
export async function listCustomerTokens(
  db: Tx,
  merchantId: string,
  customerId: string,
): Promise<CustomerTokenListRow[] | null> {
  const customer = await db.customer.findFirst({
    where: { id: customerId, merchantId },
    select: { id: true },
  });
  if (customer === null) return null;
  return db.customerToken.findMany({
    where: { merchantId, customerId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, status: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
}
