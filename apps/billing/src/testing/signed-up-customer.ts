// A customer as if signed up earlier, for renewal tests and benchmarks: the customer row and a
// customer token minted by the sandbox for the merchant's Klarna account (the caller says how, e.g.
// POST /__sim/customer-tokens), sealed by the vault as a signup would store it.
import { randomUUID } from 'node:crypto';
import { Secret } from '../secrets/secret.js';
import { systemActor, type Actor } from '../store/audit.js';
import { createCustomer } from '../store/customers.js';
import { inTransaction, type Db } from '../store/db.js';
import { storeCustomerToken } from '../vault/customer-tokens.js';
import type { Vault } from '../vault/vault.js';

export interface SignedUpCustomer {
  readonly customerId: string;
  readonly tokenId: string;
  /** The raw token, for sandbox scenario rules and ledger checks. */
  readonly token: string;
}

export async function signedUpCustomer(
  db: Db,
  vault: Vault,
  input: {
    readonly merchantId: string;
    readonly accountId: string;
    /** Mints a customer-not-present token for the account in the sandbox. */
    readonly mint: (accountId: string) => Promise<string>;
    readonly at: Date;
    readonly externalRefPrefix?: string;
    readonly actor?: Actor;
  },
): Promise<SignedUpCustomer> {
  const actor = input.actor ?? systemActor('test');
  const customer = await createCustomer(db, {
    merchantId: input.merchantId,
    externalRef: `${input.externalRefPrefix ?? 'c'}-${randomUUID()}`,
    email: null,
    name: null,
    actor,
    at: input.at,
  });
  if (customer.kind !== 'created') throw new Error(`customer: ${customer.kind}`);
  const token = await input.mint(input.accountId);
  const tokenId = await inTransaction(db, (tx) =>
    storeCustomerToken(tx, vault, {
      merchantId: input.merchantId,
      customerId: customer.customer.id,
      token: Secret.wrap('klarna-customer-token', token),
      scopes: ['payment:customer_not_present'],
      reference: randomUUID(),
      actor,
      subscriptionId: null,
      at: input.at,
    }),
  );
  return { customerId: customer.customer.id, tokenId, token };
}
