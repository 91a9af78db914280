// POST /dashboard/webhook-deliveries/:id/resend: the merchant API's retry of a delivery
// (store/webhook-endpoints.ts), for the delivery's merchant, audited with the operator.
import type { FastifyInstance } from 'fastify';
import { operatorActor } from '../../store/operators.js';
import { ownerOf } from '../../store/operator-lookups.js';
import { retryWebhookDelivery } from '../../store/webhook-endpoints.js';
import type { DashboardDeps } from '../deps.js';
import { sessionOf } from '../session.js';
import { answerAction, done, refused, idParam, notFound } from './answers.js';

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.post('/webhook-deliveries/:id/resend', async (request, reply) => {
    const id = idParam(request);
    const merchantId = await ownerOf(deps.db, 'webhookDelivery', id);
    if (merchantId === null) return notFound(reply, 'webhook delivery');
    const result = await retryWebhookDelivery(deps.db, {
      merchantId,
      id,
      actor: operatorActor(sessionOf(request).operator.id),
      now: deps.clock.now(),
    });
    const back = '/dashboard/webhook-deliveries';
    switch (result.kind) {
      case 'not_found':
        return notFound(reply, 'webhook delivery');
      case 'endpoint_deleted':
        return answerAction(
          request,
          reply,
          deps.options,
          back,
          refused("Not re-sent: the delivery's endpoint was deleted."),
        );
      case 'ok':
        return answerAction(
          request,
          reply,
          deps.options,
          back,
          done('Delivery re-sent: it is PENDING with a fresh round of attempts.'),
        );
    }
  });
}
