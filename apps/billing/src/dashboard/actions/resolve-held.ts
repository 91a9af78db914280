// POST /dashboard/invoices/:id/resolve (outcome APPROVED with payment_transaction_id, or
// NOT_CHARGED): the operator's resolution of a held attempt (operator-actions/resolve-held-
// attempt.ts), which checks an APPROVED transaction at Klarna before booking it; audited with the
// operator. A refusal (unknown transaction, a mismatch, Klarna unavailable) shows its reason.
import type { FastifyInstance } from 'fastify';
import { resolveHeldAttempt, type ResolveHeldResult } from '../../operator-actions/resolve-held-attempt.js';
import { isUuid } from '../../store/operator-lookups.js';
import type { DashboardDeps } from '../deps.js';
import { field, formOf } from '../forms.js';
import { sessionOf } from '../session.js';
import { answerAction, done, refused, idParam, invalidField, notFound } from './answers.js';

/** Klarna's payment transaction ids are short printable tokens (krn:... or a uuid). */
const TRANSACTION_ID = /^[\x21-\x7e]{1,255}$/;

function refusal(result: Exclude<ResolveHeldResult, { kind: 'RESOLVED' } | { kind: 'NOT_FOUND' }>): string {
  switch (result.kind) {
    case 'NOT_HELD':
      return 'Not resolved: the invoice is no longer held.';
    case 'UNKNOWN_TRANSACTION':
      return "Not resolved: Klarna has no such payment transaction in the merchant's account.";
    case 'MISMATCH':
      return `Not resolved: the transaction's ${result.field} is ${result.actual ?? 'missing'}, the attempt's is ${result.expected}.`;
    case 'ALREADY_RECORDED':
      return `Not resolved: that transaction is already booked as charge ${result.chargeId}.`;
    case 'KLARNA_UNAVAILABLE':
      return `Not resolved: Klarna could not be read (${result.reason}); nothing changed, try again.`;
  }
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.post('/invoices/:id/resolve', async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const outcome = field(form, 'outcome');
    if (outcome !== 'APPROVED' && outcome !== 'NOT_CHARGED') {
      return invalidField(reply, 'outcome', 'must be APPROVED or NOT_CHARGED');
    }
    const transactionId = field(form, 'payment_transaction_id');
    if (outcome === 'APPROVED' && (transactionId === undefined || !TRANSACTION_ID.test(transactionId))) {
      return invalidField(
        reply,
        'payment_transaction_id',
        "is required with APPROVED: Klarna's id of the transaction, as verified at Klarna",
      );
    }
    if (!isUuid(id) || deps.money === undefined) return notFound(reply, 'held invoice');
    const result = await resolveHeldAttempt(
      { db: deps.db, clock: deps.clock, payments: deps.money.payments, log: deps.money.log },
      {
        invoiceId: id,
        operatorId: sessionOf(request).operator.id,
        resolution:
          outcome === 'APPROVED' && transactionId !== undefined
            ? { kind: 'APPROVED', paymentTransactionId: transactionId }
            : { kind: 'NOT_CHARGED' },
      },
    );
    const back = '/dashboard/held';
    if (result.kind === 'NOT_FOUND') return notFound(reply, 'held invoice');
    if (result.kind !== 'RESOLVED')
      return answerAction(request, reply, deps.options, back, refused(refusal(result)));
    return answerAction(
      request,
      reply,
      deps.options,
      back,
      done(`Resolved as ${result.resolution}; the subscription is ${result.subscriptionStatus}.`),
    );
  });
}
