// Subscriptions as if their customers had signed up earlier: a token minted in the sandbox for the
// merchant's Klarna account and sealed by the vault (the same development keys the roles use), a
// customer, and an ACTIVE subscription whose period 0 is due at its anchor. For renewal tests that
// need many subscriptions without running the journey for each.
import type { TestSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { seedActiveSubscriptions } from '../../apps/billing/src/store/testing/active-subscriptions.js';
import { signedUpCustomer } from '../../apps/billing/src/testing/signed-up-customer.js';
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
    const customer = await signedUpCustomer(db, vault, {
      merchantId: input.merchantId,
      accountId: input.accountId,
      mint: sandboxMint(sandbox),
      at: input.at,
    });
    tokens.push(customer.token);
    seeds.push({
      merchantId: input.merchantId,
      customerId: customer.customerId,
      tokenId: customer.tokenId,
      planVersionId: input.planVersionId,
      currency: input.currency,
      anchorAt: anchor.anchorAt,
      timeZone: anchor.timeZone,
    });
  }
  const ids = await seedActiveSubscriptions(db, seeds, input.at);
  return ids.map((id, i) => ({ id, token: tokens[i] ?? '' }));
}

/** Mints a customer-not-present token for an account through the sandbox's sim control. */
export function sandboxMint(sandbox: TestSandbox): (accountId: string) => Promise<string> {
  return async (accountId) => {
    const minted = await sandbox.sim<{ customer_token: string }>('POST', '/customer-tokens', {
      account_id: accountId,
      scopes: ['payment:customer_not_present'],
    });
    if (minted.status !== 201) throw new Error(`mint: ${minted.status} ${minted.text}`);
    return minted.body.customer_token;
  };
}
