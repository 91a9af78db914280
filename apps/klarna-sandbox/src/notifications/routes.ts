// Notifications API (CONTRACT.md §4, §10.5): signing keys, webhook registrations and test events.
// Under /v2, so the app's Basic auth, correlation ids and error format apply.
import type { RegisterRoutes } from '../deps.js';
import { parseOr400, validationFailed } from '../http/validation.js';
import { rfc3339 } from '../webhooks/envelope.js';
import { simulatedPayload } from '../webhooks/simulated-event.js';
import { isKnownEventType } from './event-types.js';
import type { SigningKey, Webhook } from './registry.js';
import { createWebhookBody, idParams, simulateBody } from './schemas.js';

const keyJson = (k: SigningKey) => ({ signing_key_id: k.id, created_at: rfc3339(k.createdAt) });

const webhookJson = (w: Webhook) => ({
  webhook_id: w.id,
  url: w.url,
  event_types: w.eventTypes,
  event_version: w.eventVersion,
  signing_key_id: w.signingKeyId,
  status: w.status,
  created_at: rfc3339(w.createdAt),
});

export const registerNotificationRoutes: RegisterRoutes = (app, deps) => {
  const { registry, dispatcher } = deps.webhooks;

  // The secret is in this answer only; list and read show the id.
  app.post('/v2/notification/signing-keys', (_req, reply) => {
    const key = registry.createSigningKey();
    return reply.code(201).send({ ...keyJson(key), signing_key: key.secret });
  });

  app.get('/v2/notification/signing-keys', (_req, reply) =>
    reply.send({ signing_keys: registry.listSigningKeys().map(keyJson) }),
  );

  app.get('/v2/notification/signing-keys/:id', (req, reply) => {
    const { id } = parseOr400(idParams, req.params);
    return reply.send(keyJson(registry.requireSigningKey(id)));
  });

  app.delete('/v2/notification/signing-keys/:id', (req, reply) => {
    const { id } = parseOr400(idParams, req.params);
    registry.deleteSigningKey(id);
    return reply.code(204).send();
  });

  app.post('/v2/notification/webhooks', (req, reply) => {
    const body = parseOr400(createWebhookBody, req.body);
    return reply.code(201).send(webhookJson(registry.createWebhook(body)));
  });

  app.get('/v2/notification/webhooks', (_req, reply) =>
    reply.send({ webhooks: registry.listWebhooks().map(webhookJson) }),
  );

  app.get('/v2/notification/webhooks/:id', (req, reply) => {
    const { id } = parseOr400(idParams, req.params);
    return reply.send(webhookJson(registry.requireWebhook(id)));
  });

  app.delete('/v2/notification/webhooks/:id', (req, reply) => {
    const { id } = parseOr400(idParams, req.params);
    registry.deleteWebhook(id);
    return reply.code(204).send();
  });

  // Sends one made-up event of the given type to this webhook, whatever it subscribes to and
  // whether it is enabled; the delivery is signed, retried and listed like any other.
  app.post('/v2/notification/webhooks/:id/simulate', (req, reply) => {
    const { id } = parseOr400(idParams, req.params);
    const body = parseOr400(simulateBody, req.body);
    const webhook = registry.requireWebhook(id);
    const eventType = body.event_type;
    if (!isKnownEventType(eventType)) {
      throw validationFailed([{ parameter: 'event_type', reason: `unknown event type ${eventType}` }]);
    }
    const [delivery] = dispatcher.publish(
      {
        eventType,
        occurredAt: deps.clock.now(),
        subjectAccountId: deps.acquirerAccountId,
        payload: simulatedPayload(eventType),
      },
      { simulated: true, only: webhook },
    );
    return reply.code(202).send({
      webhook_id: webhook.id,
      event_type: eventType,
      event_id: delivery?.eventId ?? null,
      delivery_id: delivery?.id ?? null,
    });
  });
};
