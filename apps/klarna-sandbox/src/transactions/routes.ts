// The Payment Transaction API (CONTRACT.md §18.2-18.5) under
// /v2/accounts/{partner_account_id}/payment/transactions: read, capture, refund (by capture or by
// transaction) and void. Scenario rules with `operation` script faults and latency for these
// calls as they do for authorize; LOSE_RESPONSE runs the call and then drops the connection.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import type { RegisterRoutes } from '../deps.js';
import { partnerAccountOf } from '../http/account.js';
import { toErrorResponse } from '../http/error-handler.js';
import { parseOr400 } from '../http/validation.js';
import { forgetKeyOnClose } from '../idempotency/hooks.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { applyFault, isEarlyFault, loseResponse } from '../scenarios/faults.js';
import { LatencyTimers, sampleLatency } from '../scenarios/latency.js';
import type { Operation } from '../scenarios/schema.js';
import type { ScenarioStore } from '../scenarios/store.js';
import { captureBody, refundCaptureBody, refundTransactionBody, voidBody } from './schema.js';
import type { PaymentTransactions } from './service.js';

interface TransactionRouteDeps {
  transactions: PaymentTransactions;
  scenarios: ScenarioStore;
  idempotency: IdempotencyStore;
}

interface Params {
  partner_account_id: string;
  payment_transaction_id: string;
  payment_capture_id?: string;
}

type Request = FastifyRequest<{ Params: Params }>;

/** What a route does once faults and latency let it: an answer, or an error thrown. */
interface Call {
  operation: Operation;
  amount: number | undefined;
  execute: () => { status: number; body: unknown };
}

const BASE = '/v2/accounts/:partner_account_id/payment/transactions/:payment_transaction_id';

export const registerTransactionRoutes: RegisterRoutes = (app, { state }) => {
  const deps: TransactionRouteDeps = {
    transactions: state.transactions,
    scenarios: state.scenarios,
    idempotency: state.idempotency,
  };
  const latency = new LatencyTimers();
  app.addHook('onClose', (_instance, done) => {
    latency.close();
    done();
  });

  /** Scenario rule, latency, fault or execution, in that order (as authorize does). */
  const run = (request: Request, reply: FastifyReply, accountId: string, call: Call): unknown => {
    const id = request.params.payment_transaction_id;
    const tx = deps.transactions.find(accountId, id);
    const rule = deps.scenarios.isEmpty
      ? undefined
      : deps.scenarios.take({
          operation: call.operation,
          accountId,
          scenario: undefined,
          paymentTransactionId: id,
          customerToken: undefined,
          customerTokenReference: undefined,
          paymentTransactionReference: tx?.reference,
          paymentRequestReference: undefined,
          amount: call.amount,
          currency: tx?.currency ?? '',
        });
    const outcome = rule?.outcome;
    const go = (): unknown => {
      if (outcome && isEarlyFault(outcome)) {
        return applyFault(outcome, request, reply, () => forgetKeyOnClose(request, deps.idempotency));
      }
      if (outcome?.result !== 'LOSE_RESPONSE') {
        const result = call.execute();
        return reply.code(result.status).send(result.body);
      }
      // The answer is lost whatever it was: a refusal is stored for the replay like a success.
      let result: { status: number; body: unknown };
      try {
        result = call.execute();
      } catch (err) {
        result = toErrorResponse(err);
      }
      return loseResponse(request, reply, deps.idempotency, result);
    };
    const delay = sampleLatency(rule?.latency ?? deps.scenarios.latency);
    if (delay === 0) return go();
    return latency.wait(delay).then((elapsed) => {
      // A 5xx, so the idempotency key is not stored; the connection is closing anyway.
      if (!elapsed)
        throw new SandboxHttpError(503, 'TEMPORARILY_UNAVAILABLE', 'The sandbox is shutting down');
      return go();
    });
  };

  app.get<{ Params: Params }>(BASE, (request, reply) => {
    const accountId = partnerAccountOf(request);
    return run(request, reply, accountId, {
      operation: 'read',
      amount: undefined,
      execute: () => ({
        status: 200,
        body: deps.transactions.read(accountId, request.params.payment_transaction_id),
      }),
    });
  });

  app.post<{ Params: Params }>(`${BASE}/captures`, (request, reply) => {
    const accountId = partnerAccountOf(request);
    const body = parseOr400(captureBody, request.body ?? {});
    return run(request, reply, accountId, {
      operation: 'capture',
      amount: body.amount,
      execute: () => ({
        status: 201,
        body: deps.transactions.capture(accountId, request.params.payment_transaction_id, {
          amount: body.amount,
          reference: body.payment_capture_reference,
        }),
      }),
    });
  });

  app.post<{ Params: Params }>(`${BASE}/captures/:payment_capture_id/refunds`, (request, reply) => {
    const accountId = partnerAccountOf(request);
    const body = parseOr400(refundCaptureBody, request.body ?? {});
    return run(request, reply, accountId, {
      operation: 'refund',
      amount: body.amount,
      execute: () => ({
        status: 201,
        body: deps.transactions.refundCapture(
          accountId,
          request.params.payment_transaction_id,
          request.params.payment_capture_id ?? '',
          { amount: body.amount, reference: body.payment_refund_reference },
        ),
      }),
    });
  });

  app.post<{ Params: Params }>(`${BASE}/refunds`, (request, reply) => {
    const accountId = partnerAccountOf(request);
    const body = parseOr400(refundTransactionBody, request.body ?? {});
    return run(request, reply, accountId, {
      operation: 'refund',
      amount: body.amount,
      execute: () => ({
        status: 201,
        body: deps.transactions.refundTransaction(accountId, request.params.payment_transaction_id, {
          amount: body.amount,
          reference: body.payment_refund_reference,
        }),
      }),
    });
  });

  app.post<{ Params: Params }>(`${BASE}/void`, (request, reply) => {
    const accountId = partnerAccountOf(request);
    parseOr400(voidBody, request.body);
    return run(request, reply, accountId, {
      operation: 'void',
      amount: undefined,
      execute: () => ({
        status: 200,
        body: deps.transactions.void(accountId, request.params.payment_transaction_id),
      }),
    });
  });
};
