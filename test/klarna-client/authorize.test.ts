// The Klarna client's authorize calls over real HTTP against the real klarna-sandbox: every
// scenario Rebill uses, every outcome kind, idempotent replays, and no raw secret in any log line
// or outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyChargeOutcome } from '../../apps/billing/src/domain/decline-classification.js';
import { toChargeOutcome, type AuthorizeOutcome } from '../../apps/billing/src/klarna/outcome.js';
import type { CapturingLogger } from '../../apps/billing/src/klarna/klarna.test-support.js';
import { Secret, type CustomerTokenSecret } from '../../apps/billing/src/secrets/secret.js';
import type { LedgerResponse, PaymentRequestView } from '../../apps/klarna-sandbox/src/testing/types.js';
import {
  anyString,
  chargeInput,
  key,
  rendered,
  signupInput,
  startClientRig,
  TEST_ACCOUNT,
  type ClientRig,
} from './client-fixtures.js';

let rig: ClientRig;
/** Every raw token the sandbox handed out in this file: none may show up in logs or outcomes. */
const rawSecrets = new Set<string>();
const outcomes: unknown[] = [];
const otherLoggers: CapturingLogger[] = [];

beforeAll(async () => {
  rig = await startClientRig();
});

afterAll(async () => {
  await rig.close();
});

/** The raw token as the sandbox mints it; the test needs it only to revoke it through /__sim. */
async function mintRawToken(): Promise<string> {
  const res = await rig.sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
    account_id: TEST_ACCOUNT,
    scopes: ['payment:customer_not_present'],
  });
  expect(res.status).toBe(201);
  rawSecrets.add(res.body.customer_token);
  return res.body.customer_token;
}

async function mintToken(): Promise<CustomerTokenSecret> {
  return Secret.wrap('klarna-customer-token', await mintRawToken());
}

/** Another client on the same sandbox, whose log lines are checked for secrets too. */
function otherClient(overrides: Parameters<ClientRig['client']>[0]) {
  const other = rig.client(overrides);
  otherLoggers.push(other.logger);
  return other;
}

async function script(match: Record<string, unknown>, outcome: unknown, extra: Record<string, unknown> = {}) {
  const res = await rig.sb.sim('POST', '/scenarios', { match, outcome, times: 'once', ...extra });
  expect(res.status).toBe(201);
}

async function ledger(reference: string): Promise<LedgerResponse> {
  const res = await rig.sb.sim<LedgerResponse>('GET', `/ledger?reference=${encodeURIComponent(reference)}`);
  return res.body;
}

function answered(outcome: AuthorizeOutcome) {
  outcomes.push(outcome);
  if (outcome.kind !== 'answered') throw new Error(`expected answered, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function keep(outcome: AuthorizeOutcome): AuthorizeOutcome {
  outcomes.push(outcome);
  return outcome;
}

describe('signup (a) and (b)', () => {
  it('(a) tokenize only: STEP_UP_REQUIRED with a payment request and its journey URL', async () => {
    const input = signupInput();
    const outcome = answered(await rig.gateway.startSignup(input, key()));
    expect(outcome.payment).toBeNull();
    expect(outcome.token).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(outcome.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.paymentRequest).toMatchObject({
      reference: input.paymentRequestReference,
      state: 'SUBMITTED',
      stateReason: 'PAYMENT_REQUEST_SUBMITTED',
      amount: null,
      currency: 'EUR',
    });
    expect(outcome.paymentRequest?.paymentRequestId).toMatch(/^krn:payment:eu1:request:/);
    expect(outcome.paymentRequest?.url).toBe(
      `${rig.sb.baseUrl}/journey/${outcome.paymentRequest?.paymentRequestId}`,
    );
    // interaction_expiry PT1H (the sandbox's two timestamps may be a millisecond apart)
    const { createdAt, expiresAt } = outcome.paymentRequest ?? {};
    const lifetimeMs = (expiresAt?.getTime() ?? 0) - (createdAt?.getTime() ?? 0);
    expect(Math.abs(lifetimeMs - 3_600_000)).toBeLessThan(1000);
  });

  it('(b) tokenize with a first payment: both parts step up, the request carries the amount', async () => {
    const outcome = answered(await rig.gateway.startSignup(signupInput(999), key()));
    expect(outcome.payment).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(outcome.token).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(outcome.paymentRequest).toMatchObject({ state: 'SUBMITTED', amount: 999, currency: 'EUR' });
  });

  it('journey completed, then finalize (e) approves the first payment and returns the token; the token then renews (c)', async () => {
    const input = signupInput(999);
    const started = answered(await rig.gateway.startSignup(input, key()));
    const requestId = started.paymentRequest?.paymentRequestId ?? '';
    const done = await rig.sb.sim<{ state: string; payment_request: PaymentRequestView }>(
      'POST',
      `/payment-requests/${requestId}/complete`,
    );
    expect(done.body.state).toBe('COMPLETED');
    rawSecrets.add(done.body.payment_request.state_context.klarna_network_session_token ?? '');
    rawSecrets.add(done.body.payment_request.state_context.klarna_customer?.customer_token ?? '');

    // What a webhook would say, read instead (§10.6).
    const read = await rig.gateway.readPaymentRequest(TEST_ACCOUNT, requestId);
    outcomes.push(read);
    if (read.kind !== 'answered') throw new Error(`read: ${read.kind}`);
    expect(read.paymentRequest).toMatchObject({
      state: 'COMPLETED',
      previousState: 'IN_PROGRESS',
      tokenReference: input.tokenReference,
      scopes: ['payment:customer_not_present'],
      url: null,
    });
    const session = read.paymentRequest.networkSessionToken;
    expect(session).toBeDefined();
    expect(read.paymentRequest.customerToken).toBeDefined();
    if (session === undefined || input.amountMinor === undefined) return;

    const finalized = answered(
      await rig.gateway.finalizeSignupPayment(
        {
          accountId: TEST_ACCOUNT,
          currency: 'EUR',
          amountMinor: input.amountMinor,
          transactionReference: input.transactionReference,
          capture: 'NOW',
          networkSessionToken: session,
          purchaseReference: input.purchaseReference,
          subscription: input.subscription,
        },
        key(),
      ),
    );
    const payment = finalized.payment;
    if (payment?.result !== 'APPROVED') throw new Error(`finalize: ${JSON.stringify(payment)}`);
    expect(payment.transaction).toMatchObject({
      reference: input.transactionReference,
      amount: 999,
      currency: 'EUR',
    });
    expect(payment.transaction.paymentTransactionId).toMatch(/^krn:payment:eu1:transaction:/);
    expect(payment.transaction.expiresAt).toBeInstanceOf(Date);
    // capture NOW (§18.1): a sandbox that knows it answers COMPLETED with payment_captures[0];
    // the sandbox on this branch ignores the field and answers AUTHORIZED without captures.
    if (payment.transaction.state === 'COMPLETED') {
      expect(payment.transaction.capture).toMatchObject({ amount: 999 });
      expect(payment.transaction.capture?.paymentCaptureId).toEqual(anyString);
    } else {
      expect(payment.transaction.state).toBe('AUTHORIZED');
      expect(payment.transaction.capture).toBeNull();
    }
    // A combined request's finalize also returns the token (§10.4).
    const token = finalized.token;
    if (token?.result !== 'APPROVED') throw new Error(`token: ${JSON.stringify(token)}`);
    expect(token.reference).toBe(input.tokenReference);
    expect(token.scopes).toEqual(['payment:customer_not_present']);
    expect(finalized.paymentRequest).toBeNull();

    // The issued token charges the first renewal with no customer present.
    const renewal = answered(await rig.gateway.chargeToken(chargeInput(token.token), key()));
    expect(renewal.payment?.result).toBe('APPROVED');
    expect(classifyChargeOutcome(toChargeOutcome(renewal))).toEqual({ kind: 'APPROVED' });
  });
});

describe('customer-not-present charge (c)', () => {
  it('approves, and the sandbox saw no step_up_config (it would answer 400 for a CNP token)', async () => {
    const input = chargeInput(await mintToken());
    const outcome = answered(await rig.gateway.chargeToken(input, key()));
    expect(outcome.payment).toMatchObject({
      result: 'APPROVED',
      transaction: { reference: input.transactionReference },
    });
    expect(outcome.token).toBeNull();
    expect(outcome.paymentRequest).toBeNull();
    expect((await ledger(input.transactionReference)).count).toBe(1);
  });

  it('a scripted decline keeps its reason and classifies SOFT', async () => {
    const input = chargeInput(await mintToken());
    await script(
      { payment_transaction_reference: input.transactionReference },
      { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
    );
    const outcome = answered(await rig.gateway.chargeToken(input, key()));
    expect(outcome.payment).toEqual({ result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' });
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toMatchObject({
      kind: 'DECLINED',
      category: 'SOFT',
    });
  });

  it('a revoked token declines PERMANENT, classified HARD', async () => {
    const raw = await mintRawToken();
    const token = Secret.wrap('klarna-customer-token', raw);
    expect((await rig.sb.sim('POST', `/customer-tokens/${raw}/revoke`)).status).toBe(200);
    const outcome = answered(await rig.gateway.chargeToken(chargeInput(token), key()));
    expect(outcome.payment).toEqual({ result: 'DECLINED', reason: 'PERMANENT' });
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toMatchObject({ category: 'HARD' });
  });

  it('sends a Partner-Correlation-Id and logs it', async () => {
    const input = { ...chargeInput(await mintToken()), partnerCorrelationId: 'renewal42attempt1' };
    expect(answered(await rig.gateway.chargeToken(input, key())).payment?.result).toBe('APPROVED');
    expect(rig.logger.lines.at(-1)?.obj).toMatchObject({
      partnerCorrelationId: 'renewal42attempt1',
      status: 200,
    });
  });

  it('replaying the same key returns the first result; the ledger holds one charge', async () => {
    const input = chargeInput(await mintToken());
    const idempotencyKey = key();
    const first = answered(await rig.gateway.chargeToken(input, idempotencyKey));
    const again = answered(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(again.payment).toEqual(first.payment);
    expect(again.correlationId).not.toBe(first.correlationId);
    expect((await ledger(input.transactionReference)).count).toBe(1);
  });

  it('400 names the parameters that were wrong (permanent)', async () => {
    const input = { ...chargeInput(await mintToken()), amountMinor: 0, currency: 'XXX' };
    const outcome = keep(await rig.gateway.chargeToken(input, key()));
    expect(outcome).toMatchObject({ kind: 'permanent', status: 400, errorCode: 'VALIDATION_ERROR' });
    if (outcome.kind !== 'permanent') return;
    expect(outcome.parameters).toEqual(
      expect.arrayContaining(['request_payment_transaction.amount', 'currency']),
    );
    expect(outcome.errorId).toEqual(anyString);
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toMatchObject({ kind: 'FAILED' });
  });

  it('a wrong API key is a permanent 401', async () => {
    const other = otherClient({ apiKey: 'not-the-sandbox-key' });
    const outcome = keep(await other.gateway.chargeToken(chargeInput(await mintToken()), key()));
    expect(outcome).toMatchObject({ kind: 'permanent', status: 401, errorCode: 'UNAUTHORIZED' });
    expect(other.logger.text()).not.toContain('not-the-sandbox-key');
  });
});

describe('failures are transient or rate limited, and the same key then succeeds once', () => {
  it('429 is rate_limited with Retry-After in ms', async () => {
    const input = chargeInput(await mintToken());
    await script(
      { payment_transaction_reference: input.transactionReference },
      { result: 'HTTP_ERROR', status: 429 },
    );
    const idempotencyKey = key();
    const outcome = keep(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(outcome).toEqual({ kind: 'rate_limited', retryAfterMs: 1000, correlationId: anyString });
    const retried = answered(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(retried.payment?.result).toBe('APPROVED');
  });

  it.each([500, 503])('%i is a transient SERVER_ERROR', async (status) => {
    const input = chargeInput(await mintToken());
    await script(
      { payment_transaction_reference: input.transactionReference },
      { result: 'HTTP_ERROR', status },
    );
    const idempotencyKey = key();
    const outcome = keep(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(outcome).toEqual({
      kind: 'transient',
      reason: 'SERVER_ERROR',
      status,
      correlationId: anyString,
    });
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toMatchObject({ kind: 'TRANSIENT' });
    expect(answered(await rig.gateway.chargeToken(input, idempotencyKey)).payment?.result).toBe('APPROVED');
    expect((await ledger(input.transactionReference)).count).toBe(1);
  });

  it('a held request times out on the client (TIMEOUT), and the same key then charges once', async () => {
    const fast = otherClient({ headersTimeoutMs: 300 });
    const input = chargeInput(await mintToken());
    await script({ payment_transaction_reference: input.transactionReference }, { result: 'TIMEOUT' });
    const idempotencyKey = key();
    const outcome = keep(await fast.gateway.chargeToken(input, idempotencyKey));
    expect(outcome).toEqual({ kind: 'transient', reason: 'TIMEOUT', status: null, correlationId: null });
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toEqual({
      kind: 'TRANSIENT',
      category: 'TRANSIENT',
      reason: 'TIMEOUT',
    });
    expect(fast.logger.lines.at(-1)).toMatchObject({
      level: 'warn',
      obj: { failure: 'TIMEOUT', failureCode: 'UND_ERR_HEADERS_TIMEOUT', idempotencyKey },
    });
    // The sandbox frees the key once the client has left; retry until it has noticed.
    let retried: AuthorizeOutcome = outcome;
    for (let i = 0; i < 20 && retried.kind !== 'answered'; i++) {
      retried = keep(await fast.gateway.chargeToken(input, idempotencyKey));
      if (retried.kind !== 'answered') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered(retried).payment?.result).toBe('APPROVED');
    expect((await ledger(input.transactionReference)).count).toBe(1);
  });

  it('the overall deadline (requestTimeoutMs) is a TIMEOUT as well', async () => {
    const deadline = otherClient({ requestTimeoutMs: 300 });
    const input = chargeInput(await mintToken());
    await script({ payment_transaction_reference: input.transactionReference }, { result: 'TIMEOUT' });
    const outcome = keep(await deadline.gateway.chargeToken(input, key()));
    expect(outcome).toEqual({ kind: 'transient', reason: 'TIMEOUT', status: null, correlationId: null });
  });

  it('a dropped connection is a transient CONNECTION failure', async () => {
    const input = chargeInput(await mintToken());
    await script({ payment_transaction_reference: input.transactionReference }, { result: 'DROP' });
    const idempotencyKey = key();
    const outcome = keep(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(outcome).toEqual({ kind: 'transient', reason: 'CONNECTION', status: null, correlationId: null });
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toMatchObject({ reason: 'CONNECTION' });
    expect(answered(await rig.gateway.chargeToken(input, idempotencyKey)).payment?.result).toBe('APPROVED');
  });

  it('a second send while the first is still running is IN_FLIGHT; the first result wins', async () => {
    const input = chargeInput(await mintToken());
    await script(
      { payment_transaction_reference: input.transactionReference },
      { result: 'APPROVED' },
      { latency: { type: 'fixed', ms: 400 } },
    );
    const idempotencyKey = key();
    const first = rig.gateway.chargeToken(input, idempotencyKey);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = keep(await rig.gateway.chargeToken(input, idempotencyKey));
    expect(second).toEqual({
      kind: 'transient',
      reason: 'IN_FLIGHT',
      status: 409,
      correlationId: anyString,
    });
    expect(answered(await first).payment?.result).toBe('APPROVED');
    expect((await ledger(input.transactionReference)).count).toBe(1);
  });

  it('a refused connection is a transient CONNECTION failure', async () => {
    const closed = otherClient({ baseUrl: 'http://127.0.0.1:9' });
    const outcome = keep(await closed.gateway.chargeToken(chargeInput(await mintToken()), key()));
    expect(outcome).toEqual({ kind: 'transient', reason: 'CONNECTION', status: null, correlationId: null });
  });
});

describe('logs', () => {
  it('one line per call with operation, path, status, duration, correlation id and key; warn on failures', () => {
    const lines = rig.logger.lines;
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(line.obj).toMatchObject({ operation: anyString, method: anyString });
      expect(line.obj.path).toMatch(/^\/v2\//);
      expect(line.obj.durationMs).toEqual(expect.any(Number));
      if (line.obj.method !== 'GET') expect(line.obj.idempotencyKey).toEqual(anyString);
      const status = line.obj.status as number | null;
      const failed = status === null || status >= 500 || status === 429;
      expect(line.level).toBe(failed ? 'warn' : 'debug');
    }
    expect(lines.some((l) => l.obj.status === 400 && l.obj.errorCode === 'VALIDATION_ERROR')).toBe(true);
  });

  it('no log line and no outcome holds a raw token, session token or the API key', () => {
    const secrets = [...rawSecrets].filter((s) => s !== '');
    expect(secrets.length).toBeGreaterThan(5);
    const logs = [rig.logger, ...otherLoggers].map((logger) => logger.text()).join('\n');
    const text = `${logs}\n${rendered(outcomes)}`;
    for (const secret of [...secrets, rig.sb.config.apiKey]) expect(text).not.toContain(secret);
  });
});
