// POST /dashboard/charges/:id/refund (amount in minor units, or empty for everything refundable;
// reason): the merchant API's refund (money/merchant-money.ts) with the operator as the audited
// actor. A refusal (nothing captured, over the refundable amount) is shown with its reason.
import type { FastifyInstance } from 'fastify';
import { refundCharge, type RefundChargeResult } from '../../money/merchant-money.js';
import { operatorActor } from '../../store/operators.js';
import { ownerOf } from '../../store/operator-lookups.js';
import type { DashboardDeps } from '../deps.js';
import { field, formOf } from '../forms.js';
import { sessionOf } from '../session.js';
import { answerAction, done, refused, idParam, invalidField, notFound } from './answers.js';

const MAX_AMOUNT = 2_147_483_647;

function refusal(result: Extract<RefundChargeResult, { kind: 'rejected' }>): string {
  switch (result.problem) {
    case 'CHARGE_NOT_CAPTURED':
      return 'Not refunded: nothing of this charge is captured yet (void it instead).';
    case 'CHARGE_CLOSED':
      return 'Not refunded: Klarna closed this charge.';
    case 'AMOUNT_EXCEEDS_REFUNDABLE':
      return `Not refunded: the amount is more than the ${result.refundableMinor} (minor units) still refundable.`;
  }
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.post('/charges/:id/refund', async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const amountText = field(form, 'amount');
    const amountMinor = amountText === undefined ? undefined : Number(amountText);
    if (
      amountMinor !== undefined &&
      !(Number.isSafeInteger(amountMinor) && amountMinor > 0 && amountMinor <= MAX_AMOUNT)
    ) {
      return invalidField(
        reply,
        'amount',
        'must be a whole number of minor units above 0 (e.g. 9900 for 99.00), or empty for all that is refundable',
      );
    }
    const reason = field(form, 'reason') ?? null;
    if (reason !== null && reason.length > 500)
      return invalidField(reply, 'reason', 'must be at most 500 characters');
    const merchantId = await ownerOf(deps.db, 'charge', id);
    if (merchantId === null) return notFound(reply, 'charge');
    const result = await refundCharge(
      { db: deps.db, clock: deps.clock, money: deps.money },
      { merchantId, chargeId: id, amountMinor, reason, actor: operatorActor(sessionOf(request).operator.id) },
    );
    const back = '/dashboard';
    switch (result.kind) {
      case 'not_found':
        return notFound(reply, 'charge');
      case 'rejected':
        return answerAction(request, reply, deps.options, back, refused(refusal(result)));
      case 'refund':
        return answerAction(
          request,
          reply,
          deps.options,
          back,
          done(`Refund of ${result.refund.amountMinor} (minor units) ${result.refund.status.toLowerCase()}.`),
        );
    }
  });
}
