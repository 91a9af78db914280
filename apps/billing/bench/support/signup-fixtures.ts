// The benchmark's setup (not timed): a merchant (the `merchant create` CLI), a paid plan, a
// signing key Rebill knows (sealed by the vault, as registration would store it), and N signups
// started through the real signup service against the sandbox, each journey then driven through
// the sandbox's customer controls into the state its event will announce. Each event is built
// from the sandbox's own view of its payment request (GET, CONTRACT.md §8) with §10.4's top-level
// token copies, wrapped in a §10.2 envelope and signed as Klarna signs (§10.5: HMAC-SHA256 hex
// over the raw body, Klarna-Signing-Key-Id naming the key).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  DEFAULT_CATCH_UP_POLICY,
  DEFAULT_DUNNING_POLICY,
  systemClock,
  type KlarnaPaymentRequestState,
} from '../../src/domain/index.js';
import { createLogger } from '../../src/config/logger.js';
import { createKlarnaNetworkGateway } from '../../src/klarna/klarna-network-gateway.js';
import { silentKlarnaLogger } from '../../src/klarna/logger.js';
import { Secret } from '../../src/secrets/secret.js';
import { startSignup } from '../../src/signup/start-signup.js';
import type { SignupDeps } from '../../src/signup/deps.js';
import { systemActor } from '../../src/store/audit.js';
import { createCustomer } from '../../src/store/customers.js';
import { createPlan } from '../../src/store/plans.js';
import { createPrismaClient, disconnect } from '../../src/store/prisma-client.js';
import { insertSigningKey } from '../../src/store/signing-keys.js';
import { loadVaultKeyring } from '../../src/vault/vault-config.js';
import { Vault } from '../../src/vault/vault.js';
import { spawnNode } from './child-process.js';
import { SANDBOX_API_KEY, type SystemUnderTest } from './system-under-test.js';

/** The states the events announce, in the order they are mixed. */
export const EVENT_STATES = ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** SANDBOX_ACQUIRER_ACCOUNT_ID's default: the recipient of every event. */
const ACQUIRER_ACCOUNT = 'krn:partner:global:account:test:REBILLACQ';
const ACTOR = systemActor('bench');

export interface SignedEvent {
  readonly state: EventState;
  readonly body: Buffer;
  readonly signature: string;
}

export interface Fixtures {
  readonly merchantId: string;
  readonly klarnaAccount: string;
  readonly signingKeyId: string;
  /** Interleaved: submitted, in progress, completed, submitted, ... */
  readonly events: readonly SignedEvent[];
}

export async function prepareFixtures(
  system: SystemUnderTest,
  options: {
    readonly events: number;
    readonly concurrency: number;
    readonly progress: (line: string) => void;
  },
): Promise<Fixtures> {
  const klarnaAccount = `krn:partner:global:account:test:BENCH${randomBytes(4).toString('hex').toUpperCase()}`;
  const merchantId = await createMerchantWithCli(system, klarnaAccount);
  const env = system.rebillEnv();
  const db = createPrismaClient({ databaseUrl: system.databaseUrl });
  const vault = new Vault(loadVaultKeyring(env).keyring);
  const gateway = createKlarnaNetworkGateway({
    baseUrl: system.sandboxUrl,
    apiKey: SANDBOX_API_KEY,
    logger: silentKlarnaLogger,
  });
  try {
    const now = systemClock.now();
    const plan = await createPlan(db, {
      merchantId,
      code: 'bench',
      name: 'Bench plan',
      currency: 'EUR',
      amountMinor: 999,
      interval: 'MONTH',
      intervalCount: 1,
      trialDays: 0,
      dunningPolicy: DEFAULT_DUNNING_POLICY,
      catchUpPolicy: DEFAULT_CATCH_UP_POLICY,
      actor: ACTOR,
      at: now,
    });
    if (plan.kind !== 'created') throw new Error(`plan not created: ${plan.kind}`);

    // The signing key, as webhook registration would have stored it.
    const signingKeyId = `krn:partner:global:notification:signing-key:${randomUUID()}`;
    const signingSecret = randomBytes(32).toString('base64url');
    const rowId = randomUUID();
    const sealed = vault.seal(Secret.wrap('klarna-signing-key', signingSecret), {
      purpose: 'signing-key',
      rowId,
    });
    await insertSigningKey(db, {
      id: rowId,
      klarnaSigningKeyId: signingKeyId,
      encryptedSecret: Uint8Array.from(sealed.ciphertext),
      keyId: sealed.keyId,
      createdAt: now,
    });

    const deps: SignupDeps = {
      db,
      clock: systemClock,
      gateway,
      vault,
      log: createLogger({ level: 'warn', name: 'bench-setup' }),
      interactionExpiry: { iso: 'PT1H', ms: 3_600_000 },
      enqueueNextAction: () => Promise.reject(new Error('a signup start enqueues nothing')),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
    const sandbox = new SandboxCalls(system.sandboxUrl, klarnaAccount);
    let done = 0;
    const events = await inParallel(options.events, options.concurrency, async (index) => {
      const state = EVENT_STATES[index % EVENT_STATES.length] ?? 'SUBMITTED';
      const customer = await createCustomer(db, {
        merchantId,
        externalRef: `bench-${index}`,
        email: null,
        name: null,
        actor: ACTOR,
        at: systemClock.now(),
      });
      if (customer.kind !== 'created') throw new Error(`customer ${index}: ${customer.kind}`);
      const started = await startSignup(deps, {
        merchantId,
        customerId: customer.customer.id,
        planId: plan.plan.id,
        returnUrl: 'https://shop.example/return',
        timeZone: null,
        actor: ACTOR,
        idempotencyRecordId: null,
      });
      if (started.kind !== 'started') throw new Error(`signup ${index}: ${started.kind}`);
      const request = await db.paymentRequest.findFirstOrThrow({
        where: { subscriptionId: started.subscriptionId },
        select: { klarnaPaymentRequestId: true },
      });
      if (request.klarnaPaymentRequestId === null) throw new Error(`signup ${index} opened no journey`);
      const view = await sandbox.drive(request.klarnaPaymentRequestId, state);
      done += 1;
      if (done % 1000 === 0) options.progress(`  set up ${done}/${options.events} signups`);
      return signedEvent(state, view, klarnaAccount, signingSecret);
    });
    return { merchantId, klarnaAccount, signingKeyId, events };
  } finally {
    await gateway.close();
    await disconnect(db);
  }
}

async function createMerchantWithCli(system: SystemUnderTest, klarnaAccount: string): Promise<string> {
  const cli = spawnNode('merchant create', {
    entry: 'apps/billing/src/main.ts',
    args: ['merchant', 'create', '--name', 'Bench Shop', '--klarna-account', klarnaAccount],
    env: system.rebillEnv(),
    logFile: join(system.logDir, 'merchant-create.log'),
  });
  const code = await cli.exited;
  const output = cli.output();
  const json = output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1);
  if (code !== 0 || json === '') throw new Error(`merchant create failed (${String(code)}):\n${output}`);
  return (JSON.parse(json) as { merchant_id: string }).merchant_id;
}

/** The sandbox as the customer (the /__sim controls) and as Rebill's API reader. */
class SandboxCalls {
  constructor(
    private readonly baseUrl: string,
    private readonly account: string,
  ) {}

  /** Moves the journey into `state` and answers the sandbox's view of the payment request. */
  async drive(klarnaRequestId: string, state: EventState): Promise<Record<string, unknown>> {
    const id = encodeURIComponent(klarnaRequestId);
    if (state === 'IN_PROGRESS') await this.call('POST', `/__sim/payment-requests/${id}/enter`);
    if (state === 'COMPLETED') await this.call('POST', `/__sim/payment-requests/${id}/complete`);
    const view = await this.call(
      'GET',
      `/v2/accounts/${encodeURIComponent(this.account)}/payment/requests/${id}`,
    );
    if (view.state !== state)
      throw new Error(`payment request ${klarnaRequestId} is ${String(view.state)}, not ${state}`);
    return view;
  }

  private async call(method: string, path: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Basic ${SANDBOX_API_KEY}` },
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
}

/** The event Klarna would send for the request's current state (CONTRACT.md §10.2, §10.4, §10.5). */
export function signedEvent(
  state: KlarnaPaymentRequestState & EventState,
  view: Record<string, unknown>,
  klarnaAccount: string,
  signingSecret: string,
): SignedEvent {
  const payload: Record<string, unknown> = { ...view };
  const context = (view.state_context ?? {}) as Record<string, unknown>;
  if (state === 'COMPLETED') {
    // §10.4: the tokens are also copied to the top level.
    payload.klarna_network_session_token = context.klarna_network_session_token;
    payload.klarna_customer = context.klarna_customer;
  }
  const envelope = {
    metadata: {
      event_type: `payment.request.state-change.${state.toLowerCase().replace('_', '-')}`,
      event_id: randomUUID(),
      event_version: 'v2',
      occurred_at: view.updated_at,
      subject_account_id: klarnaAccount,
      recipient_account_id: ACQUIRER_ACCOUNT,
      product_instance_id: `krn:partner:global:account:product:payment:${klarnaAccount.split(':').at(-1) ?? ''}`,
      webhook_id: `krn:partner:global:notification:webhook:${randomUUID()}`,
      live: false,
    },
    payload,
  };
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  return {
    state,
    body,
    signature: createHmac('sha256', signingSecret).update(body).digest('hex'),
  };
}

/** Runs `work(0..count-1)` with at most `concurrency` at once; results in index order. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}
