// Merchant API keys: creation, listing, the lookup authentication does, and revocation (never of
// a merchant's last active key, so a merchant cannot lock itself out).
import { audit, type Actor } from './audit.js';
import { inTransaction, type Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type ApiKeyRow = Prisma.ApiKeyGetPayload<object>;

/** What a listing or the audit trail may show of a key: never its hash. */
export type ApiKeyRecord = Omit<ApiKeyRow, 'secretHash'>;

const PUBLIC_FIELDS = {
  id: true,
  merchantId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const satisfies Prisma.ApiKeySelect;

export interface CreateApiKeyInput {
  readonly merchantId: string;
  readonly name: string;
  readonly prefix: string;
  readonly secretHash: string;
  readonly actor: Actor;
  readonly at: Date;
}

export async function createApiKey(db: Db, input: CreateApiKeyInput): Promise<ApiKeyRecord> {
  return inTransaction(db, async (tx) => {
    const key = await tx.apiKey.create({
      data: {
        merchantId: input.merchantId,
        name: input.name,
        prefix: input.prefix,
        secretHash: input.secretHash,
        createdAt: input.at,
      },
      select: PUBLIC_FIELDS,
    });
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'api_key',
      entityId: key.id,
      action: 'created',
      after: auditView(key),
      at: input.at,
    });
    return key;
  });
}

export async function listApiKeys(db: Db, merchantId: string, page: PageQuery): Promise<Page<ApiKeyRecord>> {
  const rows = await db.apiKey.findMany({
    where: { merchantId, ...afterKeyset(page.after) },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
    select: PUBLIC_FIELDS,
  });
  return toPage(rows, page.limit);
}

/** The row authentication checks a presented key against (by its public prefix). */
export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | null> {
  return db.apiKey.findUnique({ where: { prefix } });
}

/**
 * Records a use of the key, at most once per `minIntervalMs`: the condition is in the UPDATE, so
 * concurrent requests write it once and a busy key does not write on every request.
 */
export async function touchApiKey(db: Db, id: string, at: Date, minIntervalMs: number): Promise<void> {
  await db.apiKey.updateMany({
    where: {
      id,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(at.getTime() - minIntervalMs) } }],
    },
    data: { lastUsedAt: at },
  });
}

export type RevokeApiKeyResult =
  | { readonly kind: 'revoked'; readonly key: ApiKeyRecord }
  | { readonly kind: 'already_revoked'; readonly key: ApiKeyRecord }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'last_active_key' };

export async function revokeApiKey(
  db: Db,
  input: { merchantId: string; id: string; actor: Actor; at: Date },
): Promise<RevokeApiKeyResult> {
  return inTransaction(db, async (tx) => {
    // One revocation per merchant at a time: two concurrent revocations of its last two keys
    // must not both see the other key still active.
    await tx.$queryRaw`SELECT 1 FROM "Merchant" WHERE id = ${input.merchantId}::uuid FOR UPDATE`;
    const key = await tx.apiKey.findFirst({
      where: { id: input.id, merchantId: input.merchantId },
      select: PUBLIC_FIELDS,
    });
    if (key === null) return { kind: 'not_found' };
    if (key.revokedAt !== null) return { kind: 'already_revoked', key };
    const otherActive = await tx.apiKey.count({
      where: { merchantId: input.merchantId, revokedAt: null, id: { not: key.id } },
    });
    if (otherActive === 0) return { kind: 'last_active_key' };
    const revoked = await tx.apiKey.update({
      where: { id: key.id },
      data: { revokedAt: input.at },
      select: PUBLIC_FIELDS,
    });
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'api_key',
      entityId: key.id,
      action: 'revoked',
      before: auditView(key),
      after: auditView(revoked),
      at: input.at,
    });
    return { kind: 'revoked', key: revoked };
  });
}

function auditView(key: ApiKeyRecord): Prisma.InputJsonObject {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
