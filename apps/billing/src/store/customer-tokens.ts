// CustomerToken rows: ciphertext, key id, keyed fingerprint. The vault is the only caller.
import type { CustomerToken } from './generated/prisma/client.js';
import type { Tx } from './db.js';

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

/** Inserts unless the merchant already holds the same token (fingerprint); true when inserted. */
export async function insertCustomerTokenRow(tx: Tx, row: CustomerTokenRowInput): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO "CustomerToken" (id, "merchantId", "customerId", "encryptedToken", "keyId", "tokenFingerprint",
                                 scopes, status, reference, "createdAt")
    VALUES (${row.id}::uuid, ${row.merchantId}::uuid, ${row.customerId}::uuid, ${row.encryptedToken},
            ${row.keyId}, ${row.tokenFingerprint}, ${row.scopes}::text[], 'ACTIVE', ${row.reference}, ${row.createdAt})
    ON CONFLICT ("merchantId", "tokenFingerprint") DO NOTHING`;
  return inserted === 1;
}

/** The merchant's token row by Rebill's id, whatever its status. */
export async function findCustomerTokenById(
  tx: Tx,
  merchantId: string,
  tokenId: string,
): Promise<CustomerToken | null> {
  return tx.customerToken.findFirst({ where: { id: tokenId, merchantId } });
}

export async function touchCustomerToken(tx: Tx, tokenId: string, at: Date): Promise<void> {
  await tx.customerToken.update({ where: { id: tokenId }, data: { lastUsedAt: at } });
}
