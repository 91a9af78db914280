// rebill-auth: `Authorization: Bearer rbk_<prefix>_<secret>` on every route of the scope it is
// registered in. The key is found by its prefix and its secret compared with the stored SHA-256
// in constant time; unknown, malformed and revoked keys all get the same 401. The request then
// carries the key's merchant, which scopes every query the route makes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { apiKeySecretMatches, hashApiKeySecret, parseApiKey } from '../../auth/api-key-token.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../store/audit.js';
import { findApiKeyByPrefix, touchApiKey } from '../../store/api-keys.js';
import type { Db } from '../../store/db.js';
import { problem, sendProblem } from '../problems.js';

export interface ApiAuth {
  readonly merchantId: string;
  readonly apiKeyId: string;
  /** The actor audit rows name for what this request changes. */
  readonly actor: Actor;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by rebill-auth on every authenticated route; null elsewhere. */
    auth: ApiAuth | null;
  }
}

export interface AuthOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly touchIntervalMs: number;
}

/** Compared against when the prefix is unknown, so that case takes as long as a wrong secret. */
const UNKNOWN_KEY_HASH = hashApiKeySecret('no key has this secret');

export const authPlugin = fp(
  (app: FastifyInstance, options: AuthOptions) => {
    app.decorateRequest('auth', null);

    app.addHook('onRequest', async (request, reply) => {
      const presented = bearerToken(request.headers.authorization);
      if (presented === null) {
        return unauthorized(request, reply, 'Send an API key as `Authorization: Bearer <key>`.');
      }
      const parsed = parseApiKey(presented);
      const key = parsed === null ? null : await findApiKeyByPrefix(options.db, parsed.prefix);
      const matches = apiKeySecretMatches(parsed?.secret ?? '', key?.secretHash ?? UNKNOWN_KEY_HASH);
      if (key === null || !matches || key.revokedAt !== null) {
        return unauthorized(request, reply, 'The API key is not valid, or it has been revoked.');
      }
      const now = options.clock.now();
      const lastUsedMs = key.lastUsedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (now.getTime() - lastUsedMs >= options.touchIntervalMs) {
        await touchApiKey(options.db, key.id, now, options.touchIntervalMs);
      }
      request.auth = { merchantId: key.merchantId, apiKeyId: key.id, actor: { kind: 'API_KEY', id: key.id } };
      return undefined;
    });
  },
  { name: 'rebill-auth', fastify: '5.x' },
);

/** The authenticated caller; only routes behind rebill-auth call it. */
export function callerOf(request: FastifyRequest): ApiAuth {
  if (request.auth === null) throw new Error('route is not behind rebill-auth');
  return request.auth;
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

function unauthorized(request: FastifyRequest, reply: FastifyReply, detail: string): FastifyReply {
  reply.header('www-authenticate', 'Bearer realm="rebill"');
  return sendProblem(request, reply, problem('unauthorized', detail));
}
