// Subscriptions as if their customers had signed up earlier: a token minted in the sandbox for the
// merchant's Klarna account and sealed by the vault (the same development keys the roles use), a
// customer, and an ACTIVE subscription whose period 0 is due at its anchor. For renewal tests that
// need many subscriptions without running the journey for each.
import { randomUUID } from 'node:crypto';
import type { TestSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import { Secret } from '../../apps/billing/src/secrets/secret.js';
import { systemActor } from '../../apps/billing/src/store/audit.js';
import { createCustomer } from '../../apps/billing/src/store/customers.js';
import { inTransaction, type Db } from '../../apps/billing/src/store/db.js';
import { seedActiveSubscriptions } from '../../apps/billing/src/store/testing/active-subscriptions.js';
import { storeCustomerToken } from '../../apps/billing/src/vault/customer-tokens.js';
import { loadVaultKeyring } from '../../apps/billing/src/vault/vault-config.js';
import { Vault } from '../../apps/billing/src/vault/vault.js';

export interface SignedUp {
  readonly id: string;
  /** The raw customer token, for sandbox scenario rules and ledger checks. */
  readonly token: string;
}

export async function signedUpSubscriptions(
  db: Db,
  sandbox: TestSandbox,
  input: {
    readonly merchantId: string;
    readonly accountId: string;
    readonly planVersionId: string;
    readonly currency: string;
    readonly anchors: readonly { readonly anchorAt: Date; readonly timeZone: string }[];
    readonly at: Date;
    readonly vault?: Vault;
  },
): Promise<SignedUp[]> {
  const vault = input.vault ?? new Vault(loadVaultKeyring({}).keyring);
  const seeds = [];
  const tokens: string[] = [];
  for (const anchor of input.anchors) {
    const customer = await createCustomer(db, {
      merchantId: input.merchantId,
      externalRef: `c-${randomUUID()}`,
      email: null,
      name: null,
      actor: systemActor('test'),
      at: input.at,
    });
    if (customer.kind !== 'created') throw new Error('customer');
    const minted = await sandbox.sim<{ customer_token: string }>('POST', '/customer-tokens', {
      account_id: input.accountId,
      scopes: ['payment:customer_not_present'],
    });
    if (minted.status !== 201) throw new Error(`mint: ${minted.status} ${minted.text}`);
    tokens.push(minted.body.customer_token);
    const tokenId = await inTransaction(db, (tx) =>
      storeCustomerToken(tx, vault, {
        merchantId: input.merchantId,
        customerId: customer.customer.id,
        token: Secret.wrap('klarna-customer-token', minted.body.customer_token),
        scopes: ['payment:customer_not_present'],
        reference: randomUUID(),
        actor: systemActor('test'),
        subscriptionId: null,
        at: input.at,
      }),
    );
    seeds.push({
      merchantId: input.merchantId,
      customerId: customer.customer.id,
      tokenId,
      planVersionId: input.planVersionId,
      currency: input.currency,
      anchorAt: anchor.anchorAt,
      timeZone: anchor.timeZone,
    });
  }
  const ids = await seedActiveSubscriptions(db, seeds, input.at);
  return ids.map((id, i) => ({ id, token: tokens[i] ?? '' }));
}
