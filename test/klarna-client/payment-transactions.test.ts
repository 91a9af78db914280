// The Klarna client's money operations (CONTRACT.md §18) over real HTTP against the real
// klarna-sandbox: an authorization made with capture LATER is captured (in full, in parts),
// refunded capture by capture, voided and read; replays with the same key answer the first
// result; scripted faults are rate_limited or transient, and a lost response is reconciled by a
// same-key replay and a read (§18.5).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlarnaNetworkGateway } from '../../apps/billing/src/klarna/klarna-network-gateway.js';
import { capturingLogger } from '../../apps/billing/src/klarna/klarna.test-support.js';
import type {
  CaptureOutcome,
  CapturedMoney,
  ReadTransactionOutcome,
  RefundOutcome,
  TransactionView,
} from '../../apps/billing/src/klarna/money-port.js';
import { Secret } from '../../apps/billing/src/secrets/secret.js';
import {
  anyString,
  chargeInput,
  key,
  startClientRig,
  TEST_ACCOUNT,
  type ClientRig,
} from './client-fixtures.js';

let rig: ClientRig;

beforeAll(async () => {
  rig = await startClientRig();
});

afterAll(async () => {
  await rig.close();
});

/** An AUTHORIZED transaction of `amountMinor`, made by a CNP charge with capture LATER. */
async function authorized(amountMinor = 1000): Promise<string> {
  const minted = await rig.sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
    account_id: TEST_ACCOUNT,
    scopes: ['payment:customer_not_present'],
  });
  expect(minted.status).toBe(201);
  const token = Secret.wrap('klarna-customer-token', minted.body.customer_token);
  const outcome = await rig.gateway.chargeToken(
    { ...chargeInput(token, amountMinor), capture: 'LATER' },
    key(),
  );
  if (outcome.kind !== 'answered' || outcome.payment?.result !== 'APPROVED') {
    throw new Error(`expected an approved charge, got ${JSON.stringify(outcome)}`);
  }
  expect(outcome.payment.transaction.state).toBe('AUTHORIZED');
  expect(outcome.payment.transaction.capture).toBeNull();
  return outcome.payment.transaction.paymentTransactionId;
}

const on = (paymentTransactionId: string) => ({ accountId: TEST_ACCOUNT, paymentTransactionId });
const reference = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;

function captured(outcome: CaptureOutcome): CapturedMoney {
  if (outcome.kind !== 'captured') throw new Error(`expected captured, got ${JSON.stringify(outcome)}`);
  return outcome.capture;
}

function refunded(outcome: RefundOutcome) {
  if (outcome.kind !== 'refunded') throw new Error(`expected refunded, got ${JSON.stringify(outcome)}`);
  return outcome.refund;
}

function read(outcome: ReadTransactionOutcome): TransactionView {
  if (outcome.kind !== 'read') throw new Error(`expected read, got ${JSON.stringify(outcome)}`);
  return outcome.transaction;
}

async function capture(tx: string, amountMinor: number, idempotencyKey = key()): Promise<CapturedMoney> {
  return captured(
    await rig.transactions.capture({ ...on(tx), amountMinor, reference: reference('cap') }, idempotencyKey),
  );
}

async function script(match: Record<string, unknown>, outcome: unknown): Promise<void> {
  const res = await rig.sb.sim('POST', '/scenarios', { match, outcome, times: 'once' });
  expect(res.status).toBe(201);
}

describe('capture and read', () => {
  it('captures the full amount: COMPLETED, the capture is on the read with our reference', async () => {
    const tx = await authorized(1000);
    const ref = reference('cap');
    const outcome = await rig.transactions.capture({ ...on(tx), amountMinor: 1000, reference: ref }, key());
    expect(outcome).toMatchObject({ kind: 'captured', correlationId: anyString });
    const done = captured(outcome);
    expect(done).toMatchObject({ reference: ref, amountMinor: 1000, refundedMinor: 0 });
    expect(done.paymentCaptureId).toEqual(anyString);
    expect(done.capturedAt).toBeInstanceOf(Date);

    const view = read(await rig.transactions.readTransaction(on(tx)));
    expect(view).toMatchObject({
      paymentTransactionId: tx,
      state: 'COMPLETED',
      amountMinor: 1000,
      currency: 'EUR',
      capturedMinor: 1000,
      refundedMinor: 0,
      captures: [{ paymentCaptureId: done.paymentCaptureId, reference: ref, amountMinor: 1000 }],
      refunds: [],
    });
  });

  it('captures in parts: AUTHORIZED after the first, COMPLETED after the rest; more than remains is refused', async () => {
    const tx = await authorized(1000);
    const first = await capture(tx, 400);
    expect(read(await rig.transactions.readTransaction(on(tx)))).toMatchObject({
      state: 'AUTHORIZED',
      capturedMinor: 400,
      captures: [{ paymentCaptureId: first.paymentCaptureId }],
    });
    expect(
      await rig.transactions.capture({ ...on(tx), amountMinor: 601, reference: reference('cap') }, key()),
    ).toEqual({
      kind: 'refused',
      status: 400,
      errorCode: 'VALIDATION_ERROR',
      parameters: ['amount'],
      correlationId: anyString,
    });
    const second = await capture(tx, 600);
    expect(second.paymentCaptureId).not.toBe(first.paymentCaptureId);
    const view = read(await rig.transactions.readTransaction(on(tx)));
    expect(view).toMatchObject({ state: 'COMPLETED', capturedMinor: 1000 });
    expect(view.captures.map((c) => c.amountMinor)).toEqual([400, 600]);
  });

  it('a replay with the same key answers the same capture; the transaction holds one', async () => {
    const tx = await authorized(1000);
    const idempotencyKey = key();
    const input = { ...on(tx), amountMinor: 300, reference: reference('cap') };
    const first = await rig.transactions.capture(input, idempotencyKey);
    const again = await rig.transactions.capture(input, idempotencyKey);
    expect(captured(again).paymentCaptureId).toBe(captured(first).paymentCaptureId);
    expect(again.correlationId).not.toBe(first.correlationId);
    const view = read(await rig.transactions.readTransaction(on(tx)));
    expect(view.capturedMinor).toBe(300);
    expect(view.captures).toHaveLength(1);
  });
});

describe('refund a capture', () => {
  it('refunds part, then the rest; more than was captured is refused', async () => {
    const tx = await authorized(1000);
    const cap = await capture(tx, 1000);
    const refundInput = { ...on(tx), paymentCaptureId: cap.paymentCaptureId };
    const ref = reference('ref');
    const part = refunded(
      await rig.transactions.refundCapture(
        { ...refundInput, amountMinor: 300, reference: ref, reason: 'goodwill' },
        key(),
      ),
    );
    expect(part).toMatchObject({ reference: ref, paymentCaptureId: cap.paymentCaptureId, amountMinor: 300 });
    expect(part.paymentRefundId).toEqual(anyString);

    expect(
      await rig.transactions.refundCapture(
        { ...refundInput, amountMinor: 701, reference: reference('ref') },
        key(),
      ),
    ).toMatchObject({ kind: 'refused', status: 403, errorCode: 'OPERATION_FORBIDDEN' });

    refunded(
      await rig.transactions.refundCapture(
        { ...refundInput, amountMinor: 700, reference: reference('ref') },
        key(),
      ),
    );
    const view = read(await rig.transactions.readTransaction(on(tx)));
    expect(view).toMatchObject({
      state: 'COMPLETED',
      capturedMinor: 1000,
      refundedMinor: 1000,
      captures: [{ paymentCaptureId: cap.paymentCaptureId, refundedMinor: 1000 }],
    });
    expect(view.refunds.map((r) => r.amountMinor)).toEqual([300, 700]);
    expect(view.refunds[0]).toMatchObject({ paymentRefundId: part.paymentRefundId, reference: ref });

    expect(
      await rig.transactions.refundCapture(
        { ...refundInput, amountMinor: 1, reference: reference('ref') },
        key(),
      ),
    ).toMatchObject({ kind: 'refused' });
  });

  it('a refund replayed with the same key is the same refund', async () => {
    const tx = await authorized(500);
    const cap = await capture(tx, 500);
    const input = {
      ...on(tx),
      paymentCaptureId: cap.paymentCaptureId,
      amountMinor: 100,
      reference: reference('ref'),
    };
    const idempotencyKey = key();
    const first = refunded(await rig.transactions.refundCapture(input, idempotencyKey));
    const again = refunded(await rig.transactions.refundCapture(input, idempotencyKey));
    expect(again.paymentRefundId).toBe(first.paymentRefundId);
    expect(read(await rig.transactions.readTransaction(on(tx))).refundedMinor).toBe(100);
  });
});

describe('void', () => {
  it('without captures: CLOSED, the whole authorization released; a capture after it is refused', async () => {
    const tx = await authorized(800);
    const outcome = await rig.transactions.voidTransaction(on(tx), key());
    expect(outcome).toMatchObject({
      kind: 'voided',
      correlationId: anyString,
      transaction: { paymentTransactionId: tx, state: 'CLOSED', capturedMinor: 0, releasedMinor: 800 },
    });
    expect(
      await rig.transactions.capture({ ...on(tx), amountMinor: 100, reference: reference('cap') }, key()),
    ).toMatchObject({ kind: 'refused' });
    expect(read(await rig.transactions.readTransaction(on(tx))).state).toBe('CLOSED');
  });

  it('after a partial capture: COMPLETED, the captured part kept, the rest released', async () => {
    const tx = await authorized(1000);
    const cap = await capture(tx, 250);
    expect(await rig.transactions.voidTransaction(on(tx), key())).toMatchObject({
      kind: 'voided',
      transaction: {
        state: 'COMPLETED',
        capturedMinor: 250,
        releasedMinor: 750,
        captures: [{ paymentCaptureId: cap.paymentCaptureId }],
      },
    });
    // The captured part can still be refunded.
    refunded(
      await rig.transactions.refundCapture(
        { ...on(tx), paymentCaptureId: cap.paymentCaptureId, amountMinor: 250, reference: reference('ref') },
        key(),
      ),
    );
  });
});

describe('unknown ids are not_found', () => {
  const unknown = () => `krn:payment:eu1:transaction:${randomUUID()}`;

  it('for read, capture, refund and void', async () => {
    const notFound = { kind: 'not_found', correlationId: anyString };
    expect(await rig.transactions.readTransaction(on(unknown()))).toEqual(notFound);
    expect(
      await rig.transactions.capture(
        { ...on(unknown()), amountMinor: 100, reference: reference('cap') },
        key(),
      ),
    ).toEqual(notFound);
    expect(
      await rig.transactions.refundCapture(
        {
          ...on(unknown()),
          paymentCaptureId: `${unknown()}:capture:1`,
          amountMinor: 100,
          reference: reference('ref'),
        },
        key(),
      ),
    ).toEqual(notFound);
    expect(await rig.transactions.voidTransaction(on(unknown()), key())).toEqual(notFound);
  });

  it('for a refund of a capture the transaction does not have', async () => {
    const tx = await authorized(500);
    await capture(tx, 500);
    expect(
      await rig.transactions.refundCapture(
        { ...on(tx), paymentCaptureId: `${tx}:capture:99`, amountMinor: 100, reference: reference('ref') },
        key(),
      ),
    ).toMatchObject({ kind: 'not_found' });
  });
});

describe('scripted faults are rate_limited or transient; the same key then succeeds once', () => {
  type Operation = 'capture' | 'refund' | 'void' | 'read';

  /** Runs `operation` on a fresh transaction (captured first for a refund) with a fixed key. */
  async function prepared(operation: Operation) {
    const tx = await authorized(1000);
    const cap = operation === 'refund' ? await capture(tx, 1000) : null;
    const idempotencyKey = key();
    const captureRef = reference('cap');
    const refundRef = reference('ref');
    const run = () => {
      switch (operation) {
        case 'capture':
          return rig.transactions.capture(
            { ...on(tx), amountMinor: 1000, reference: captureRef },
            idempotencyKey,
          );
        case 'refund':
          return rig.transactions.refundCapture(
            {
              ...on(tx),
              paymentCaptureId: cap?.paymentCaptureId ?? '',
              amountMinor: 100,
              reference: refundRef,
            },
            idempotencyKey,
          );
        case 'void':
          return rig.transactions.voidTransaction(on(tx), idempotencyKey);
        case 'read':
          return rig.transactions.readTransaction(on(tx));
      }
    };
    return { tx, run };
  }

  const success = { capture: 'captured', refund: 'refunded', void: 'voided', read: 'read' } as const;

  it.each<Operation>(['capture', 'refund', 'void', 'read'])(
    '%s: 429 is rate_limited with Retry-After',
    async (operation) => {
      const { tx, run } = await prepared(operation);
      await script({ operation, payment_transaction_id: tx }, { result: 'HTTP_ERROR', status: 429 });
      expect(await run()).toEqual({ kind: 'rate_limited', retryAfterMs: 1000, correlationId: anyString });
      expect(await run()).toMatchObject({ kind: success[operation] });
    },
  );

  it.each<Operation>(['capture', 'refund', 'void', 'read'])(
    '%s: 503 is transient SERVER_ERROR',
    async (operation) => {
      const { tx, run } = await prepared(operation);
      await script({ operation, payment_transaction_id: tx }, { result: 'HTTP_ERROR', status: 503 });
      expect(await run()).toEqual({
        kind: 'transient',
        reason: 'SERVER_ERROR',
        status: 503,
        correlationId: anyString,
      });
      expect(await run()).toMatchObject({ kind: success[operation] });
    },
  );

  it('a capture whose response is lost is transient; the same key returns that capture and a read shows it once', async () => {
    const tx = await authorized(1000);
    const ref = reference('cap');
    const input = { ...on(tx), amountMinor: 600, reference: ref };
    const idempotencyKey = key();
    await script({ operation: 'capture', payment_transaction_id: tx }, { result: 'LOSE_RESPONSE' });

    const lost = await rig.transactions.capture(input, idempotencyKey);
    // The sandbox applied the capture, then dropped the socket before the answer's head.
    expect(lost).toEqual({ kind: 'transient', reason: 'CONNECTION', status: null, correlationId: null });

    // §18.5 step 1: the same key answers the capture that was made.
    const replay = captured(await rig.transactions.capture(input, idempotencyKey));
    expect(replay).toMatchObject({ reference: ref, amountMinor: 600 });
    // §18.5 step 2: a read finds it by our reference, once.
    const view = read(await rig.transactions.readTransaction(on(tx)));
    expect(view.captures.filter((c) => c.reference === ref)).toEqual([
      expect.objectContaining({ paymentCaptureId: replay.paymentCaptureId, amountMinor: 600 }),
    ]);
    expect(view).toMatchObject({ state: 'AUTHORIZED', capturedMinor: 600 });
  });
});

describe('logging and the composed handle', () => {
  it('logs each money call with its operation, key and ids, never a body', () => {
    const money = rig.logger.lines.filter((l) =>
      ['capture', 'refund_capture', 'void_transaction', 'read_transaction'].includes(String(l.obj.operation)),
    );
    expect(new Set(money.map((l) => l.obj.operation))).toEqual(
      new Set(['capture', 'refund_capture', 'void_transaction', 'read_transaction']),
    );
    for (const line of money) {
      expect(line.obj.idempotencyKey === null).toBe(line.obj.operation === 'read_transaction');
      expect(line.obj.path).toMatch(/^\/v2\/accounts\/.+\/payment\/transactions\//);
    }
    // References travel only in bodies; none may show up in a log line.
    expect(rig.logger.text()).not.toMatch(/"(cap|ref)_[0-9a-f]{8}"|goodwill/);
  });

  it('createKlarnaNetworkGateway hands out both ports over one agent', async () => {
    const handle = createKlarnaNetworkGateway({
      baseUrl: rig.sb.baseUrl,
      apiKey: rig.sb.config.apiKey,
      logger: capturingLogger(),
    });
    try {
      const minted = await rig.sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
        account_id: TEST_ACCOUNT,
        scopes: ['payment:customer_not_present'],
      });
      const token = Secret.wrap('klarna-customer-token', minted.body.customer_token);
      const charged = await handle.chargeToken({ ...chargeInput(token, 500), capture: 'LATER' }, key());
      if (charged.kind !== 'answered' || charged.payment?.result !== 'APPROVED')
        throw new Error('not approved');
      const tx = charged.payment.transaction.paymentTransactionId;
      captured(await handle.capture({ ...on(tx), amountMinor: 500, reference: reference('cap') }, key()));
      expect(read(await handle.readTransaction(on(tx))).state).toBe('COMPLETED');
    } finally {
      await handle.close();
    }
  });
});
