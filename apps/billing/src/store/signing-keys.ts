// Klarna signing keys and webhook registrations Rebill made. The secret is vault ciphertext.
import type { KlarnaSigningKey, KlarnaWebhookRegistration } from './generated/prisma/client.js';
import type { DbOrTx } from './db.js';

export type SigningKeyRow = KlarnaSigningKey;

export async function activeSigningKeys(db: DbOrTx): Promise<KlarnaSigningKey[]> {
  return db.klarnaSigningKey.findMany({ where: { status: 'ACTIVE' }, orderBy: { createdAt: 'desc' } });
}

export async function findSigningKey(
  db: DbOrTx,
  klarnaSigningKeyId: string,
): Promise<KlarnaSigningKey | null> {
  return db.klarnaSigningKey.findFirst({ where: { klarnaSigningKeyId, status: 'ACTIVE' } });
}

/** The key with this Klarna id, ACTIVE or RETIRED. */
export async function findAnySigningKey(
  db: DbOrTx,
  klarnaSigningKeyId: string,
): Promise<KlarnaSigningKey | null> {
  return db.klarnaSigningKey.findUnique({ where: { klarnaSigningKeyId } });
}

export async function insertSigningKey(
  db: DbOrTx,
  row: {
    id: string;
    klarnaSigningKeyId: string;
    encryptedSecret: Uint8Array<ArrayBuffer>;
    keyId: string;
    createdAt: Date;
  },
): Promise<void> {
  await db.klarnaSigningKey.create({ data: { ...row, status: 'ACTIVE' } });
}

/** Marks those of `ids` that are ACTIVE as RETIRED; returns the ids it changed. */
export async function retireSigningKeys(db: DbOrTx, ids: readonly string[], at: Date): Promise<string[]> {
  const active = await db.klarnaSigningKey.findMany({
    where: { id: { in: [...ids] }, status: 'ACTIVE' },
    select: { id: true },
  });
  const retired: string[] = [];
  for (const { id } of active) {
    // Compare-and-set on the status: a concurrent retirement counts once.
    const { count } = await db.klarnaSigningKey.updateMany({
      where: { id, status: 'ACTIVE' },
      data: { status: 'RETIRED', retiredAt: at },
    });
    if (count === 1) retired.push(id);
  }
  return retired;
}

export async function findWebhookRegistration(
  db: DbOrTx,
  url: string,
): Promise<KlarnaWebhookRegistration | null> {
  return db.klarnaWebhookRegistration.findUnique({ where: { url } });
}

export async function upsertWebhookRegistration(
  db: DbOrTx,
  row: { klarnaWebhookId: string; url: string; eventTypes: string[]; signingKeyId: string; createdAt: Date },
): Promise<void> {
  await db.klarnaWebhookRegistration.upsert({
    where: { url: row.url },
    create: row,
    update: {
      klarnaWebhookId: row.klarnaWebhookId,
      eventTypes: row.eventTypes,
      signingKeyId: row.signingKeyId,
    },
  });
}
