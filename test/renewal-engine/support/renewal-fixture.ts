// The renewal engine called in this process against the real sandbox over HTTP, on real
// PostgreSQL and Redis: each test picks the moment a next action runs. Subscriptions start as if
// they had signed up (a token minted in the sandbox, sealed by the vault, an ACTIVE row whose
// period 0 is due at its anchor).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startSandbox, type TestSandbox } from '../../../apps/klarna-sandbox/src/testing/harness.js';
import { createTenant } from '../../../apps/billing/src/api/testing/tenants.js';
import {
  DEFAULT_CATCH_UP_POLICY,
  DEFAULT_DUNNING_POLICY,
  type CatchUpPolicy,
  type Clock,
  type DunningPolicy,
} from '../../../apps/billing/src/domain/index.js';
import { createKlarnaNetworkGateway } from '../../../apps/billing/src/klarna/klarna-network-gateway.js';
import type { ChargeTokenInput } from '../../../apps/billing/src/klarna/port.js';
import type { RunNextActionPayload } from '../../../apps/billing/src/queue/catalog.js';
import { redisAccountThrottle } from '../../../apps/billing/src/renewal/account-throttle.js';
import type { RenewalDeps } from '../../../apps/billing/src/renewal/deps.js';
import type { ChargeOutcomeClass } from '../../../apps/billing/src/domain/decline-classification.js';
import { runRenewalAction } from '../../../apps/billing/src/renewal/run-renewal.js';
import { systemActor } from '../../../apps/billing/src/store/audit.js';
import type { Db } from '../../../apps/billing/src/store/db.js';
import { createPlan } from '../../../apps/billing/src/store/plans.js';
import {
  createPipelinedTransactions,
  type PipelinedTransactions,
} from '../../../apps/billing/src/store/pipelined-transaction.js';
import { createPrismaClient, disconnect } from '../../../apps/billing/src/store/prisma-client.js';
import { loadVaultKeyring } from '../../../apps/billing/src/vault/vault-config.js';
import { Vault } from '../../../apps/billing/src/vault/vault.js';
import { signedUpSubscriptions, type SignedUp } from '../../support/signed-up-subscriptions.js';
import {
  createDatabaseFromTemplate,
  dropDatabase,
  testRedisKeyPrefix,
  testRedisUrl,
} from '../../harness/index.js';

export interface PlanSpec {
  readonly name?: string;
  readonly amountMinor?: number;
  readonly interval?: 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';
  readonly intervalCount?: number;
  readonly dunningPolicy?: DunningPolicy;
  readonly catchUpPolicy?: CatchUpPolicy;
}

export interface Merchant {
  readonly merchantId: string;
  readonly accountId: string;
}

export class RenewalFixture {
  /** Rebill's clock: moved by the test. */
  nowMs: number;
  /** Every charge the runner sent to Klarna (the sandbox does not keep the request), oldest first. */
  readonly chargeInputs: ChargeTokenInput[] = [];
  /** Every charge outcome the runner told its observer of (what the worker's metrics count). */
  readonly settled: ChargeOutcomeClass[] = [];
  readonly clock: Clock;
  private constructor(
    readonly db: Db,
    readonly sandbox: TestSandbox,
    readonly deps: RenewalDeps,
    private readonly redis: Redis,
    private readonly databaseUrl: string,
    private readonly transactions: PipelinedTransactions,
    start: Date,
  ) {
    this.nowMs = start.getTime();
    this.clock = { now: () => new Date(this.nowMs) };
  }

  static async start(start: Date): Promise<RenewalFixture> {
    const databaseUrl = await createDatabaseFromTemplate();
    const db = createPrismaClient({ databaseUrl });
    const sandbox = await startSandbox();
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const log = pino({ level: 'silent' });
    const holder: { fixture?: RenewalFixture } = {};
    const clock: Clock = { now: () => holder.fixture?.clock.now() ?? start };
    const transactions = createPipelinedTransactions({ databaseUrl });
    const network = createKlarnaNetworkGateway({
      baseUrl: sandbox.baseUrl,
      apiKey: sandbox.config.apiKey,
      logger: log,
      clock,
      requestTimeoutMs: 2_000,
    });
    const deps: RenewalDeps = {
      db,
      transactions,
      clock,
      gateway: {
        ...network,
        chargeToken: (input, key) => {
          holder.fixture?.chargeInputs.push(input);
          return network.chargeToken(input, key);
        },
      },
      vault: new Vault(loadVaultKeyring({}).keyring),
      log,
      throttle: redisAccountThrottle(redis, `${testRedisKeyPrefix()}renewal-${randomUUID()}`),
      sleep: () => Promise.resolve(),
      resendDelaysMs: [10, 10, 10],
      observer: { settled: (outcome) => holder.fixture?.settled.push(outcome) },
    };
    const fixture = new RenewalFixture(db, sandbox, deps, redis, databaseUrl, transactions, start);
    holder.fixture = fixture;
    return fixture;
  }

  async stop(): Promise<void> {
    await this.sandbox.close();
    await this.transactions.close();
    await disconnect(this.db);
    await this.redis.quit();
    await dropDatabase(this.databaseUrl);
  }

  async merchant(timeZone = 'Europe/Stockholm'): Promise<Merchant> {
    const tenant = await createTenant(this.db, this.clock.now(), timeZone);
    const row = await this.db.merchant.findUniqueOrThrow({ where: { id: tenant.merchantId } });
    return { merchantId: tenant.merchantId, accountId: row.klarnaPartnerAccountId };
  }

  async plan(
    merchant: Merchant,
    spec: PlanSpec = {},
  ): Promise<{ planId: string; planVersionId: string; currency: string }> {
    const result = await createPlan(this.db, {
      merchantId: merchant.merchantId,
      code: `plan-${randomUUID().slice(0, 8)}`,
      name: spec.name ?? 'Pro',
      currency: 'EUR',
      amountMinor: spec.amountMinor ?? 999,
      interval: spec.interval ?? 'MONTH',
      intervalCount: spec.intervalCount ?? 1,
      trialDays: 0,
      dunningPolicy: spec.dunningPolicy ?? DEFAULT_DUNNING_POLICY,
      catchUpPolicy: spec.catchUpPolicy ?? DEFAULT_CATCH_UP_POLICY,
      actor: systemActor('test'),
      at: this.clock.now(),
    });
    if (result.kind !== 'created') throw new Error(`plan: ${result.kind}`);
    const version = result.plan.versions[0];
    if (version === undefined) throw new Error('plan without a version');
    return { planId: result.plan.id, planVersionId: version.id, currency: 'EUR' };
  }

  /** Subscriptions as if signed up: one customer and one sandbox-minted token each. */
  async subscriptions(
    merchant: Merchant,
    plan: { planVersionId: string; currency: string },
    anchors: readonly { anchorAt: Date; timeZone: string }[],
  ): Promise<SignedUp[]> {
    return signedUpSubscriptions(this.db, this.sandbox, {
      ...merchant,
      ...plan,
      anchors,
      at: this.clock.now(),
      vault: this.deps.vault,
    });
  }

  /** Runs the subscription's stored next action as the worker would, if it is due. */
  async runDue(subscriptionId: string): Promise<string> {
    const row = await this.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    if (row.nextActionKind === null || row.nextActionAt === null) return 'NO_ACTION';
    return runRenewalAction(this.deps, this.payload(row.nextActionKind, row.nextActionAt, subscriptionId));
  }

  payload(kind: RunNextActionPayload['kind'], at: Date, subscriptionId: string): RunNextActionPayload {
    return { subscriptionId, kind, dueAtMs: at.getTime() };
  }

  /** Moves Rebill's clock to the subscription's next action and runs it. */
  async advanceToNextAndRun(subscriptionId: string): Promise<{ kind: string | null; result: string }> {
    const row = await this.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    if (row.nextActionAt === null) return { kind: null, result: 'NO_ACTION' };
    this.nowMs = Math.max(this.nowMs, row.nextActionAt.getTime());
    return { kind: row.nextActionKind, result: await this.runDue(subscriptionId) };
  }

  async ledger(reference?: string) {
    const query = reference === undefined ? '' : `?reference=${encodeURIComponent(reference)}`;
    const res = await this.sandbox.sim<{
      entries: {
        payment_transaction_reference: string;
        state: string;
        captured_amount: number;
        amount: number;
        customer_token: string | null;
      }[];
    }>('GET', `/ledger${query}`);
    return res.body.entries;
  }

  /** Approved transactions in the sandbox ledger for the subscription's attempts. */
  async sandboxCharges(subscriptionId: string): Promise<number> {
    const attempts = await this.db.chargeAttempt.findMany({ where: { subscriptionId } });
    const refs = new Set(attempts.map((a) => a.reference));
    return (await this.ledger()).filter((e) => refs.has(e.payment_transaction_reference)).length;
  }

  /** A subscription whose first renewal at `at` Klarna declined (soft): PAST_DUE, its retry stored. */
  async pastDue(
    merchant: Merchant,
    plan: { planVersionId: string; currency: string },
    at: Date,
  ): Promise<SignedUp & { readonly retryAt: Date }> {
    const [sub] = await this.subscriptions(merchant, plan, [{ anchorAt: at, timeZone: 'Europe/Stockholm' }]);
    if (sub === undefined) throw new Error('seed');
    const rule = await this.sandbox.sim('POST', '/scenarios', {
      match: { customer_token: sub.token },
      outcome: { result: 'DECLINED', reason: 'TECHNICAL_ERROR' },
      times: 1,
    });
    if (rule.status !== 201) throw new Error(`scenario: ${rule.status}`);
    this.nowMs = at.getTime();
    const result = await this.runDue(sub.id);
    const row = await this.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    if (
      result !== 'CHARGED' ||
      row.status !== 'PAST_DUE' ||
      row.nextActionKind !== 'DUNNING_RETRY' ||
      row.nextActionAt === null
    ) {
      throw new Error(`not past due: ${result} ${row.status} ${row.nextActionKind ?? 'no action'}`);
    }
    return { ...sub, retryAt: row.nextActionAt };
  }
}
