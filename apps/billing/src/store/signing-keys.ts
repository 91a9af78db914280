// Klarna signing keys and webhook registrations Rebill made. The secret is vault ciphertext.
import type { KlarnaSigningKey, KlarnaWebhookRegistration } from './generated/prisma/client.js';
import type { DbOrTx } from './db.js';

export async function activeSigningKeys(db: DbOrTx): Promise<KlarnaSigningKey[]> {
  return db.klarnaSigningKey.findMany({ where: { status: 'ACTIVE' }, orderBy: { createdAt: 'desc' } });
}

export async function findSigningKey(
  db: DbOrTx,
  klarnaSigningKeyId: string,
): Promise<KlarnaSigningKey | null> {
  return db.klarnaSigningKey.findFirst({ where: { klarnaSigningKeyId, status: 'ACTIVE' } });
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

export async function retireSigningKeys(db: DbOrTx, ids: readonly string[], at: Date): Promise<void> {
  await db.klarnaSigningKey.updateMany({
    where: { id: { in: [...ids] } },
    data: { status: 'RETIRED', retiredAt: at },
  });
}
