// Merchants (tenants): creation with their first API key, and the lookups the API needs.
import type { ApiKeyRecord } from './api-keys.js';
import { auditMany, type Actor } from './audit.js';
import { isUniqueViolation } from './database-errors.js';
import { inTransaction, type Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

export type MerchantRow = Prisma.MerchantGetPayload<object>;

export interface CreateMerchantInput {
  readonly name: string;
  readonly timeZone: string;
  readonly klarnaPartnerAccountId: string;
  /** Picks the invoice prefix given the prefixes already in use that start like it. */
  readonly invoicePrefixBase: string;
  readonly pickInvoicePrefix: (taken: ReadonlySet<string>) => string;
  readonly firstKey: { readonly name: string; readonly prefix: string; readonly secretHash: string };
  readonly actor: Actor;
  readonly at: Date;
}

export type CreateMerchantResult =
  | { readonly kind: 'created'; readonly merchant: MerchantRow; readonly apiKey: ApiKeyRecord }
  | { readonly kind: 'duplicate_klarna_account' };

export async function createMerchant(db: Db, input: CreateMerchantInput): Promise<CreateMerchantResult> {
  try {
    return await inTransaction(db, async (tx) => {
      // Invoice prefixes are unique by choice, not by constraint: serialize the choosing.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rebill:merchant-invoice-prefix'))`;
      const taken = await tx.merchant.findMany({
        where: { invoicePrefix: { startsWith: input.invoicePrefixBase } },
        select: { invoicePrefix: true },
      });
      const invoicePrefix = input.pickInvoicePrefix(new Set(taken.map((m) => m.invoicePrefix)));
      const merchant = await tx.merchant.create({
        data: {
          name: input.name,
          timeZone: input.timeZone,
          klarnaPartnerAccountId: input.klarnaPartnerAccountId,
          invoicePrefix,
          createdAt: input.at,
          updatedAt: input.at,
        },
      });
      const apiKey = await tx.apiKey.create({
        data: { merchantId: merchant.id, ...input.firstKey, createdAt: input.at },
        select: {
          id: true,
          merchantId: true,
          name: true,
          prefix: true,
          createdAt: true,
          lastUsedAt: true,
          revokedAt: true,
        },
      });
      await auditMany(tx, [
        {
          actor: input.actor,
          merchantId: merchant.id,
          entityType: 'merchant',
          entityId: merchant.id,
          action: 'created',
          after: {
            name: merchant.name,
            timeZone: merchant.timeZone,
            klarnaPartnerAccountId: merchant.klarnaPartnerAccountId,
            invoicePrefix: merchant.invoicePrefix,
          },
          at: input.at,
        },
        {
          actor: input.actor,
          merchantId: merchant.id,
          entityType: 'api_key',
          entityId: apiKey.id,
          action: 'created',
          after: {
            id: apiKey.id,
            name: apiKey.name,
            prefix: apiKey.prefix,
            createdAt: input.at.toISOString(),
          },
          at: input.at,
        },
      ]);
      return { kind: 'created', merchant, apiKey } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'Merchant_klarnaPartnerAccountId_key')) {
      return { kind: 'duplicate_klarna_account' };
    }
    throw error;
  }
}

/** The merchant whose Klarna partner account this is (webhooks name it as subject_account_id). */
export async function findMerchantIdByKlarnaAccount(
  db: Db,
  klarnaPartnerAccountId: string,
): Promise<string | null> {
  const row = await db.merchant.findUnique({ where: { klarnaPartnerAccountId }, select: { id: true } });
  return row?.id ?? null;
}
