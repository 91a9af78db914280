// Merchant webhook endpoints (create answers the whsec_ signing secret once; list; delete; rotate
// the secret, the old one signing on for a while) and their deliveries (list, failed ones
// included; retry). Registered only when the app has a vault (the secrets are sealed by it).
import type { FastifyInstance } from 'fastify';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookEndpointSecret,
} from '../../store/webhook-endpoints.js';
import {
  newMerchantWebhookSecret,
  sealMerchantWebhookSecret,
  showMerchantWebhookSecretOnce,
} from '../../vault/merchant-webhooks.js';
import type { Vault } from '../../vault/vault.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem } from '../problems.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import {
  createWebhookEndpointBody,
  listWebhookDeliveriesQuery,
  listWebhookEndpointsQuery,
  rotateSecretBody,
  webhookDeliverySchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
} from '../schemas/webhooks.js';
import { webhookDeliveryView, webhookEndpointView } from '../views/webhooks.js';
import { sendList, zodApp } from './common.js';

const tags = ['Webhooks'];

/** A new secret sealed to its row, and its raw value for the one answer that shows it. */
function freshSecret(vault: Vault): {
  seal: (rowId: string) => ReturnType<typeof sealMerchantWebhookSecret>;
  shown: () => string;
} {
  const secret = newMerchantWebhookSecret();
  return {
    seal: (rowId) => sealMerchantWebhookSecret(vault, secret, rowId),
    shown: () => showMerchantWebhookSecretOnce(secret),
  };
}

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const vault = deps.vault;
  if (vault === undefined) return;
  const api = zodApp(app);

  api.post(
    '/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Create a webhook endpoint',
        description:
          'Events are POSTed to `url` signed per the Standard Webhooks specification. The answer holds the ' +
          'signing secret (`whsec_...`) in `secret`: store it, it is never shown again.',
        headers: idempotentHeaders,
        body: createWebhookEndpointBody,
        response: { 201: webhookEndpointWithSecretSchema, ...problemResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const secret = freshSecret(vault);
      const created = await createWebhookEndpoint(deps.db, {
        merchantId: caller.merchantId,
        url: request.body.url,
        eventTypes: [...new Set(request.body.enabled_events)],
        description: request.body.description ?? null,
        seal: secret.seal,
        actor: caller.actor,
        now: deps.clock.now(),
      });
      return reply.code(201).send({ ...webhookEndpointView(created), secret: secret.shown() });
    },
  );

  api.get(
    '/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints',
        querystring: listWebhookEndpointsQuery,
        response: { 200: listOf(webhookEndpointSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      return sendList(
        request,
        reply,
        { name: 'webhook-endpoints', query: request.query },
        (page) => listWebhookEndpoints(deps.db, merchantId, page),
        webhookEndpointView,
      );
    },
  );

  api.get(
    '/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Get a webhook endpoint',
        params: idParams,
        response: { 200: webhookEndpointSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const found = await findWebhookEndpoint(deps.db, callerOf(request).merchantId, request.params.id);
      if (found === null) return sendProblem(request, reply, notFoundProblem('Webhook endpoint'));
      return reply.send(webhookEndpointView(found));
    },
  );

  api.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Nothing is sent to it again; its pending deliveries become FAILED.',
        params: idParams,
        response: { 200: webhookEndpointSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const deleted = await deleteWebhookEndpoint(deps.db, {
        merchantId: caller.merchantId,
        id: request.params.id,
        actor: caller.actor,
        now: deps.clock.now(),
      });
      if (deleted === null) return sendProblem(request, reply, notFoundProblem('Webhook endpoint'));
      return reply.send(webhookEndpointView(deleted));
    },
  );

  api.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: "Rotate a webhook endpoint's signing secret",
        description:
          'A new secret signs every delivery from now on; the old one keeps signing too (a second ' +
          'signature) for `old_secret_valid_seconds` (default 24 h), so receivers can switch without a gap.',
        headers: idempotentHeaders,
        params: idParams,
        body: rotateSecretBody,
        response: { 200: webhookEndpointWithSecretSchema, ...problemResponses(400, 401, 404, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const secret = freshSecret(vault);
      const validSeconds = request.body?.old_secret_valid_seconds ?? 86_400;
      const rotated = await rotateWebhookEndpointSecret(deps.db, {
        merchantId: caller.merchantId,
        id: request.params.id,
        seal: secret.seal,
        // Secrets sign in real time, like the deliveries they sign.
        oldValidUntil: new Date(Date.now() + validSeconds * 1000),
        actor: caller.actor,
        now: deps.clock.now(),
      });
      const found = rotated ? await findWebhookEndpoint(deps.db, caller.merchantId, request.params.id) : null;
      if (found === null) return sendProblem(request, reply, notFoundProblem('Webhook endpoint'));
      return reply.send({ ...webhookEndpointView(found), secret: secret.shown() });
    },
  );

  api.get(
    '/webhook-deliveries',
    {
      schema: {
        tags,
        summary: 'List webhook deliveries',
        description: 'Newest first; `status=FAILED` lists the ones whose attempts ran out.',
        querystring: listWebhookDeliveriesQuery,
        response: { 200: listOf(webhookDeliverySchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { status, endpoint_id: endpointId } = request.query;
      return sendList(
        request,
        reply,
        { name: 'webhook-deliveries', query: request.query, filters: { status, endpoint_id: endpointId } },
        (page) => listWebhookDeliveries(deps.db, merchantId, { status, endpointId }, page),
        webhookDeliveryView,
      );
    },
  );

  api.post(
    '/webhook-deliveries/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a webhook delivery again',
        description:
          'The delivery goes back to PENDING with a fresh round of attempts, due now; the same `webhook-id` is sent.',
        headers: idempotentHeaders,
        params: idParams,
        response: { 200: webhookDeliverySchema, ...problemResponses(401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await retryWebhookDelivery(deps.db, {
        merchantId: caller.merchantId,
        id: request.params.id,
        actor: caller.actor,
        now: deps.clock.now(),
      });
      switch (result.kind) {
        case 'ok':
          return reply.send(webhookDeliveryView(result.delivery));
        case 'not_found':
          return sendProblem(request, reply, notFoundProblem('Webhook delivery'));
        case 'endpoint_deleted':
          return sendProblem(
            request,
            reply,
            problem(
              'endpoint-deleted',
              "The delivery's webhook endpoint was deleted; nothing is sent to it.",
            ),
          );
      }
    },
  );
}
