// Reading and cancelling Payment Requests over real HTTP against the sandbox.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentRequestView } from '../../apps/billing/src/klarna/payment-request-view.js';
import { OTHER_ACCOUNT } from '../../apps/klarna-sandbox/src/testing/harness.js';
import {
  anyString,
  key,
  signupInput,
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

async function newRequest(): Promise<PaymentRequestView> {
  const outcome = await rig.gateway.startSignup(signupInput(), key());
  if (outcome.kind !== 'answered' || outcome.paymentRequest === null) throw new Error('no payment request');
  return outcome.paymentRequest;
}

const unknownId = () => `krn:payment:eu1:request:${randomUUID()}`;

describe('readPaymentRequest', () => {
  it('answers the request as it is now', async () => {
    const created = await newRequest();
    await rig.sb.sim('POST', `/payment-requests/${created.paymentRequestId}/enter`);
    const read = await rig.gateway.readPaymentRequest(TEST_ACCOUNT, created.paymentRequestId);
    expect(read).toMatchObject({
      kind: 'answered',
      correlationId: anyString,
      paymentRequest: {
        paymentRequestId: created.paymentRequestId,
        reference: created.reference,
        state: 'IN_PROGRESS',
        previousState: 'SUBMITTED',
        url: created.url,
      },
    });
  });

  it('404 is not_found, for an unknown id and for another account', async () => {
    expect(await rig.gateway.readPaymentRequest(TEST_ACCOUNT, unknownId())).toEqual({
      kind: 'not_found',
      correlationId: anyString,
    });
    const created = await newRequest();
    expect(await rig.gateway.readPaymentRequest(OTHER_ACCOUNT, created.paymentRequestId)).toMatchObject({
      kind: 'not_found',
    });
  });

  it('a malformed account id is a permanent 400 naming it', async () => {
    expect(await rig.gateway.readPaymentRequest('krn:not-an-account', unknownId())).toMatchObject({
      kind: 'permanent',
      status: 400,
      parameters: ['partner_account_id'],
    });
  });
});

describe('cancelPaymentRequest', () => {
  it('cancels a SUBMITTED request; a replay of the key answers the same; a new key gets 409 conflict', async () => {
    const created = await newRequest();
    const idempotencyKey = key();
    const canceled = await rig.gateway.cancelPaymentRequest(
      TEST_ACCOUNT,
      created.paymentRequestId,
      idempotencyKey,
    );
    expect(canceled).toMatchObject({
      kind: 'answered',
      paymentRequest: { state: 'CANCELED', previousState: 'SUBMITTED', stateReason: 'PARTNER_CANCELED' },
    });
    if (canceled.kind !== 'answered') return;
    expect(canceled.paymentRequest.canceledAt).toBeInstanceOf(Date);

    const replay = await rig.gateway.cancelPaymentRequest(
      TEST_ACCOUNT,
      created.paymentRequestId,
      idempotencyKey,
    );
    expect(replay).toMatchObject({ kind: 'answered', paymentRequest: { state: 'CANCELED' } });

    const again = await rig.gateway.cancelPaymentRequest(TEST_ACCOUNT, created.paymentRequestId, key());
    expect(again).toEqual({ kind: 'conflict', errorCode: 'CONFLICT', correlationId: anyString });
  });

  it('cancels an IN_PROGRESS request, but not a DECLINED one', async () => {
    const inProgress = await newRequest();
    await rig.sb.sim('POST', `/payment-requests/${inProgress.paymentRequestId}/enter`);
    expect(
      await rig.gateway.cancelPaymentRequest(TEST_ACCOUNT, inProgress.paymentRequestId, key()),
    ).toMatchObject({
      kind: 'answered',
      paymentRequest: { state: 'CANCELED', previousState: 'IN_PROGRESS' },
    });

    const declined = await newRequest();
    await rig.sb.sim('POST', `/payment-requests/${declined.paymentRequestId}/decline`, {});
    expect(
      await rig.gateway.cancelPaymentRequest(TEST_ACCOUNT, declined.paymentRequestId, key()),
    ).toMatchObject({
      kind: 'conflict',
    });
  });

  it('404 is not_found', async () => {
    expect(await rig.gateway.cancelPaymentRequest(TEST_ACCOUNT, unknownId(), key())).toMatchObject({
      kind: 'not_found',
    });
  });

  it('logs the DELETE with its idempotency key', () => {
    const cancels = rig.logger.lines.filter((l) => l.obj.operation === 'cancel_payment_request');
    expect(cancels.length).toBeGreaterThanOrEqual(5);
    for (const line of cancels) {
      expect(line.obj).toMatchObject({ method: 'DELETE', idempotencyKey: anyString });
    }
  });
});
