// Refunds of the calling merchant's charges: asked for on a charge (written, then sent to Klarna
// inline by the money job; what it leaves open the money sweep finishes), listed per charge and
// for the merchant, read one by one.
import type { FastifyInstance } from 'fastify';
import type { RefundProblem } from '../../domain/index.js';
import { refundCharge } from '../../money/merchant-money.js';
import { chargeRefunds, getRefund, listRefunds } from '../../store/refunds.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem, type Problem } from '../problems.js';
import { createRefundBody, refundSchema } from '../schemas/charges.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import { refundView } from '../views/charges.js';
import { registerChargeOperations } from './charge-operations.js';
import { zodApp } from './common.js';

const tags = ['Refunds'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.post(
    '/charges/:id/refunds',
    {
      schema: {
        tags,
        summary: 'Refund a charge (all that is refundable, or `amount`)',
        description:
          'Takes at most what was captured and is not yet refunded or being refunded. 201 when Klarna answered (status SUCCEEDED, or FAILED with failure_code); 202 when its answer is still open (PENDING or UNKNOWN): Rebill settles it and the refund reads final later.',
        headers: idempotentHeaders,
        params: idParams,
        body: createRefundBody,
        response: {
          201: refundSchema,
          202: refundSchema,
          ...problemResponses(400, 401, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await refundCharge(
        { db: deps.db, clock: deps.clock, money: deps.money },
        {
          merchantId: caller.merchantId,
          chargeId: request.params.id,
          amountMinor: request.body?.amount,
          reason: request.body?.reason ?? null,
          actor: caller.actor,
        },
      );
      switch (result.kind) {
        case 'not_found':
          return sendProblem(request, reply, notFoundProblem('charge'));
        case 'rejected':
          return sendProblem(request, reply, refundProblem(result.problem, result.refundableMinor));
        case 'refund': {
          const open = result.refund.status === 'PENDING' || result.refund.status === 'UNKNOWN';
          return reply.code(open ? 202 : 201).send(refundView(result.refund));
        }
      }
    },
  );

  api.get(
    '/charges/:id/refunds',
    {
      schema: {
        tags,
        summary: "List a charge's refunds, oldest first",
        params: idParams,
        response: { 200: listOf(refundSchema), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const refunds = await chargeRefunds(deps.db, callerOf(request).merchantId, request.params.id);
      if (refunds === null) return sendProblem(request, reply, notFoundProblem('charge'));
      return reply.send({ object: 'list', data: refunds.map(refundView), next_cursor: null });
    },
  );

  registerChargeOperations(app, deps, {
    plural: 'refunds',
    tags: tags,
    singular: 'refund',
    item: refundSchema,
    list: listRefunds,
    get: getRefund,
    view: refundView,
  });
}

function refundProblem(reason: RefundProblem, refundableMinor: number): Problem {
  switch (reason) {
    case 'CHARGE_NOT_CAPTURED':
      return problem(
        'charge-not-captured',
        'No money was captured on this charge yet: void the authorization instead.',
        { refundable: refundableMinor },
      );
    case 'CHARGE_CLOSED':
      return problem('charge-closed', 'Klarna allows no operation on a closed charge.', {
        refundable: refundableMinor,
      });
    case 'AMOUNT_EXCEEDS_REFUNDABLE':
      return problem(
        'amount-exceeds-refundable',
        `At most ${refundableMinor} (minor units) of this charge can be refunded.`,
        {
          refundable: refundableMinor,
          errors: [{ field: 'amount', message: `must be at most ${refundableMinor}, what is refundable` }],
        },
      );
  }
}
