// SIM-ONLY webhook controls (CONTRACT.md §15): the delivery log, redelivery and delivery faults.
import { z } from 'zod';
import type { RegisterRoutes } from '../deps.js';
import { SandboxHttpError } from '../contracts.js';
import { parseOr400 } from '../http/validation.js';
import { parseStrictOr400 } from './parse-strict.js';
import { deliveryFilter, deliveryToJson } from './delivery-log.js';
import { webhookFaultsBody } from './faults.js';

const deliveryParams = z.object({ id: z.string().min(1) });

export const registerWebhookRoutes: RegisterRoutes = (app, deps) => {
  const { dispatcher } = deps.webhooks;

  app.get('/__sim/webhook-deliveries', (req, reply) => {
    const filter = parseStrictOr400(deliveryFilter, req.query);
    return reply.send({ deliveries: dispatcher.deliveries.list(filter).map(deliveryToJson) });
  });

  app.get('/__sim/webhook-deliveries/:id', (req, reply) => {
    const { id } = parseOr400(deliveryParams, req.params);
    const delivery = dispatcher.deliveries.get(id);
    if (!delivery) throw new SandboxHttpError(404, 'NOT_FOUND', `Delivery ${id} does not exist`);
    return reply.send(deliveryToJson(delivery));
  });

  app.post('/__sim/webhook-deliveries/:id/redeliver', (req, reply) => {
    const { id } = parseOr400(deliveryParams, req.params);
    return reply.code(202).send(deliveryToJson(dispatcher.redeliver(id)));
  });

  app.get('/__sim/webhook-faults', (_req, reply) => reply.send(dispatcher.faults.toJSON()));

  app.put('/__sim/webhook-faults', (req, reply) => {
    dispatcher.setFaults(parseStrictOr400(webhookFaultsBody, req.body ?? {}));
    return reply.send(dispatcher.faults.toJSON());
  });

  app.delete('/__sim/webhook-faults', (_req, reply) => {
    dispatcher.setFaults({});
    return reply.code(204).send();
  });
};
