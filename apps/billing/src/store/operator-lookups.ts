// What the dashboard needs to call the merchant-scoped services on an operator's behalf: which
// merchant owns a row (operators see every merchant), the merchants to pick from, and the failed
// webhook deliveries of every merchant.
import type { Db } from './db.js';

export interface MerchantChoice {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
}

export async function listMerchantChoices(db: Db): Promise<MerchantChoice[]> {
  return db.merchant.findMany({
    select: { id: true, name: true, timeZone: true },
    orderBy: { name: 'asc' },
    take: 500,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

export type OwnedEntity = 'subscription' | 'charge' | 'webhookDelivery';

/** The merchant that owns the row, or null when there is no such row (or the id is no uuid). */
export async function ownerOf(db: Db, entity: OwnedEntity, id: string): Promise<string | null> {
  if (!isUuid(id)) return null;
  const where = { where: { id }, select: { merchantId: true } } as const;
  const row =
    entity === 'subscription'
      ? await db.subscription.findUnique(where)
      : entity === 'charge'
        ? await db.charge.findUnique(where)
        : await db.webhookDelivery.findUnique(where);
  return row?.merchantId ?? null;
}
