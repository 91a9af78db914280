// API keys of the calling merchant: create (the secret is in this answer only), list, revoke.
import type { FastifyInstance } from 'fastify';
import { generateApiKey } from '../../auth/api-key-token.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem } from '../problems.js';
import {
  apiKeySchema,
  createApiKeyBody,
  createdApiKeySchema,
  listApiKeysQuery,
} from '../schemas/api-keys.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import { apiKeyView } from '../views/api-keys.js';
import { sendList, zodApp } from './common.js';

const tags = ['API keys'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key',
        description: 'The answer holds the whole key in `secret`: store it, it is never shown again.',
        headers: idempotentHeaders,
        body: createApiKeyBody,
        response: { 201: createdApiKeySchema, ...problemResponses(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const key = generateApiKey();
      const created = await createApiKey(deps.db, {
        merchantId: caller.merchantId,
        name: request.body.name,
        prefix: key.prefix,
        secretHash: key.secretHash,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      return reply.code(201).send({ ...apiKeyView(created), secret: key.token });
    },
  );

  api.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'List API keys',
        querystring: listApiKeysQuery,
        response: { 200: listOf(apiKeySchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      return sendList(
        request,
        reply,
        { name: 'api-keys', query: request.query },
        (page) => listApiKeys(deps.db, merchantId, page),
        apiKeyView,
      );
    },
  );

  api.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: "Revoking is final. A merchant's last active key cannot be revoked (409).",
        params: idParams,
        response: { 200: apiKeySchema, ...problemResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await revokeApiKey(deps.db, {
        merchantId: caller.merchantId,
        id: request.params.id,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      switch (result.kind) {
        case 'revoked':
        case 'already_revoked':
          return reply.send(apiKeyView(result.key));
        case 'not_found':
          return sendProblem(request, reply, notFoundProblem('API key'));
        case 'last_active_key':
          return sendProblem(
            request,
            reply,
            problem(
              'last-active-key',
              "This is the merchant's last active API key; create another one first.",
            ),
          );
      }
    },
  );
}
