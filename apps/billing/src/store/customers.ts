// The merchant's customers, known by the merchant's own reference.
import { audit, type Actor } from './audit.js';
import { isUniqueViolation } from './database-errors.js';
import { inTransaction, type Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type CustomerRow = Prisma.CustomerGetPayload<object>;

export interface CreateCustomerInput {
  readonly merchantId: string;
  readonly externalRef: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly actor: Actor;
  readonly at: Date;
}

export type CreateCustomerResult =
  { readonly kind: 'created'; readonly customer: CustomerRow } | { readonly kind: 'duplicate_external_ref' };

export async function createCustomer(db: Db, input: CreateCustomerInput): Promise<CreateCustomerResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const customer = await tx.customer.create({
        data: {
          merchantId: input.merchantId,
          externalRef: input.externalRef,
          email: input.email,
          name: input.name,
          createdAt: input.at,
          updatedAt: input.at,
        },
      });
      await audit(tx, {
        actor: input.actor,
        merchantId: input.merchantId,
        entityType: 'customer',
        entityId: customer.id,
        action: 'created',
        after: { externalRef: customer.externalRef, email: customer.email, name: customer.name },
        at: input.at,
      });
      return { kind: 'created', customer } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'Customer_merchantId_externalRef_key')) {
      return { kind: 'duplicate_external_ref' };
    }
    throw error;
  }
}

export async function listCustomers(db: Db, merchantId: string, page: PageQuery): Promise<Page<CustomerRow>> {
  const rows = await db.customer.findMany({
    where: { merchantId, ...afterKeyset(page.after) },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

export async function getCustomer(db: Db, merchantId: string, id: string): Promise<CustomerRow | null> {
  return db.customer.findFirst({ where: { id, merchantId } });
}
