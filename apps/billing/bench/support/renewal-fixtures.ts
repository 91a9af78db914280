// The renewal benchmark's setup (not timed): a few merchants (as `merchant create` makes them), a
// monthly plan each, and ACTIVE subscriptions as if they had signed up: a customer each and a
// customer token minted by the sandbox (`POST /__sim/customer-tokens`) and sealed by the vault
// through the same code a signup uses. Their next action (RENEWAL of period 0) is parked a year
// ahead; `makeDue` moves a group's anchor and next action to one instant, in one transaction, so
// the whole group falls due at once for the real scheduler to sweep.
import type pg from 'pg';
import { createTenant } from '../../src/api/testing/tenants.js';
import { DEFAULT_CATCH_UP_POLICY, DEFAULT_DUNNING_POLICY, systemClock } from '../../src/domain/index.js';
import { systemActor } from '../../src/store/audit.js';
import { createPlan } from '../../src/store/plans.js';
import { createPrismaClient, disconnect } from '../../src/store/prisma-client.js';
import {
  seedActiveSubscriptions,
  type ActiveSubscriptionSeed,
} from '../../src/store/testing/active-subscriptions.js';
import { signedUpCustomer } from '../../src/testing/signed-up-customer.js';
import { loadVaultKeyring } from '../../src/vault/vault-config.js';
import { Vault } from '../../src/vault/vault.js';
import { inParallel } from './signup-fixtures.js';
import type { SystemUnderTest } from './system-under-test.js';

const ACTOR = systemActor('bench');
const PARKED_MS = 365 * 24 * 3600 * 1000;

export interface RenewalMerchant {
  readonly merchantId: string;
  readonly accountId: string;
}

export interface RenewalFixtures {
  readonly merchants: readonly RenewalMerchant[];
  /** Subscription ids per group, in the order asked for; each group spread over every merchant. */
  readonly groups: readonly (readonly string[])[];
}

export async function prepareRenewalFixtures(
  system: SystemUnderTest,
  options: {
    readonly merchants: number;
    readonly groups: readonly number[];
    readonly concurrency: number;
    readonly progress: (line: string) => void;
  },
): Promise<RenewalFixtures> {
  const env = system.rebillEnv();
  const db = createPrismaClient({ databaseUrl: system.databaseUrl });
  const vault = new Vault(loadVaultKeyring(env).keyring);
  try {
    const at = systemClock.now();
    const merchants: (RenewalMerchant & { planVersionId: string })[] = [];
    for (let m = 0; m < options.merchants; m++) {
      const tenant = await createTenant(db, at, 'Europe/Stockholm');
      const row = await db.merchant.findUniqueOrThrow({ where: { id: tenant.merchantId } });
      const plan = await createPlan(db, {
        merchantId: tenant.merchantId,
        code: 'bench-monthly',
        name: 'Bench monthly',
        currency: 'EUR',
        amountMinor: 999,
        interval: 'MONTH',
        intervalCount: 1,
        trialDays: 0,
        dunningPolicy: DEFAULT_DUNNING_POLICY,
        catchUpPolicy: DEFAULT_CATCH_UP_POLICY,
        actor: ACTOR,
        at,
      });
      if (plan.kind !== 'created') throw new Error(`plan not created: ${plan.kind}`);
      const version = plan.plan.versions[0];
      if (version === undefined) throw new Error('plan without a version');
      merchants.push({
        merchantId: tenant.merchantId,
        accountId: row.klarnaPartnerAccountId,
        planVersionId: version.id,
      });
    }
    const total = options.groups.reduce((a, b) => a + b, 0);
    const parkedAt = new Date(at.getTime() + PARKED_MS);
    let done = 0;
    const seeds = await inParallel(total, options.concurrency, async (index) => {
      const merchant = merchants[index % merchants.length];
      if (merchant === undefined) throw new Error('no merchant');
      const customer = await signedUpCustomer(db, vault, {
        merchantId: merchant.merchantId,
        accountId: merchant.accountId,
        mint: mintWith(system.sandboxUrl),
        at,
        externalRefPrefix: 'bench',
        actor: ACTOR,
      });
      done += 1;
      if (done % 1000 === 0) options.progress(`  ${done}/${total} customers with tokens`);
      const seed: ActiveSubscriptionSeed = {
        merchantId: merchant.merchantId,
        customerId: customer.customerId,
        tokenId: customer.tokenId,
        planVersionId: merchant.planVersionId,
        currency: 'EUR',
        anchorAt: parkedAt,
        timeZone: 'Europe/Stockholm',
      };
      return seed;
    });
    const groups: string[][] = [];
    let offset = 0;
    for (const size of options.groups) {
      const slice = seeds.slice(offset, offset + size);
      offset += size;
      const ids: string[] = [];
      for (let i = 0; i < slice.length; i += 1000) {
        ids.push(...(await seedActiveSubscriptions(db, slice.slice(i, i + 1000), at)));
      }
      groups.push(ids);
    }
    return { merchants: merchants.map(({ merchantId, accountId }) => ({ merchantId, accountId })), groups };
  } finally {
    await disconnect(db);
  }
}

/**
 * Makes every subscription of `ids` due now, in one transaction: the phase is anchored now and the
 * RENEWAL of period 0 is due now. Answers the instant they became due (epoch ms, the database's
 * clock and the roles' are the same machine's).
 */
export async function makeDue(client: pg.Client, ids: readonly string[]): Promise<number> {
  const now = new Date();
  await client.query('BEGIN');
  try {
    await client.query(
      `UPDATE "SubscriptionPhase" SET "anchorAt" = $2 WHERE "subscriptionId" = ANY($1::uuid[])`,
      [ids, now],
    );
    await client.query(
      `UPDATE "Subscription" SET "nextActionAt" = $2, "currentPeriodEnd" = $2 WHERE id = ANY($1::uuid[])`,
      [ids, now],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
  return now.getTime();
}

/** Mints a customer-not-present token through the sandbox process's sim control. */
function mintWith(sandboxUrl: string): (accountId: string) => Promise<string> {
  return async (accountId) => {
    const minted = await fetch(`${sandboxUrl}/__sim/customer-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: accountId, scopes: ['payment:customer_not_present'] }),
    });
    const body = (await minted.json()) as { customer_token?: string };
    if (minted.status !== 201 || body.customer_token === undefined) {
      throw new Error(`mint: ${minted.status} ${JSON.stringify(body)}`);
    }
    return body.customer_token;
  };
}
