// rebill-idempotency: the Idempotency-Key header on every POST of its scope (after rebill-auth,
// since keys are per merchant). Before validation the request claims its key: a repeat of a
// finished request replays the stored status and body (with `Idempotent-Replayed: true`), a repeat
// while the first is in flight is a 409, the key reused for another request a 422. When the
// request is answered, a 2xx or 4xx is stored for replay; a 5xx releases the key so a retry runs
// again (and finds the `resourceId` the failed run left, to resume it).
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import {
  claimIdempotencyKey,
  completeIdempotencyClaim,
  releaseIdempotencyClaim,
  type IdempotencyClaim,
} from '../../store/idempotency.js';
import { PROBLEM_CONTENT_TYPE, problem, sendProblem, validationProblem } from '../problems.js';
import { requestHash } from '../request-hash.js';
import { idempotencyKeySchema } from '../schemas/common.js';
import { callerOf } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key claim this request holds, if it sent a key; null otherwise. */
    idempotency: IdempotencyClaim | null;
  }
}

export interface IdempotencyOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly lockMs: number;
  readonly ttlMs: number;
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export const idempotencyPlugin = fp(
  (app: FastifyInstance, options: IdempotencyOptions) => {
    app.decorateRequest('idempotency', null);

    app.addHook('preValidation', async (request, reply) => {
      if (request.method !== 'POST') return undefined;
      const raw = request.headers[IDEMPOTENCY_HEADER];
      if (raw === undefined) return undefined;
      const key = idempotencyKeySchema.safeParse(raw);
      if (!key.success) {
        const message = key.error.issues[0]?.message ?? 'is not valid';
        return sendProblem(request, reply, validationProblem([{ field: IDEMPOTENCY_HEADER, message }]));
      }
      const result = await claimIdempotencyKey(options.db, {
        merchantId: callerOf(request).merchantId,
        key: key.data,
        method: request.method,
        path: request.url,
        requestHash: requestHash(request.method, request.url, request.body),
        at: options.clock.now(),
        lockMs: options.lockMs,
        ttlMs: options.ttlMs,
      });
      switch (result.kind) {
        case 'claimed':
          request.idempotency = result.claim;
          return undefined;
        case 'replay':
          return replay(reply, result.status, result.body);
        case 'in_flight':
          return sendProblem(
            request,
            reply,
            problem(
              'idempotency-in-flight',
              'The first request with this Idempotency-Key has not finished; retry later.',
            ),
          );
        case 'mismatch':
          return sendProblem(
            request,
            reply,
            problem('idempotency-key-reused', 'This Idempotency-Key was used for a different request.', {
              errors: [{ field: IDEMPOTENCY_HEADER, message: 'was used with another method, path or body' }],
            }),
          );
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency;
      if (claim === null) return payload;
      request.idempotency = null;
      try {
        if (reply.statusCode < 500 && typeof payload === 'string') {
          await completeIdempotencyClaim(options.db, claim, {
            status: reply.statusCode,
            body: parseBody(payload),
          });
        } else {
          await releaseIdempotencyClaim(options.db, claim);
        }
      } catch (error) {
        // The answer still goes out; the key stays locked until its lock runs out.
        request.log.error({ err: error }, 'could not record the Idempotency-Key answer');
      }
      return payload;
    });
  },
  { name: 'rebill-idempotency', fastify: '5.x', dependencies: ['rebill-auth'] },
);

function replay(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .type(status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json; charset=utf-8')
    .header(REPLAYED_HEADER, 'true')
    .send(JSON.stringify(body));
}

function parseBody(payload: string): Parameters<typeof completeIdempotencyClaim>[2]['body'] {
  if (payload === '') return null;
  try {
    return withoutSigningSecret(JSON.parse(payload)) as Parameters<
      typeof completeIdempotencyClaim
    >[2]['body'];
  } catch {
    return null;
  }
}

/**
 * A merchant webhook signing secret (`whsec_`) is shown once, in the first answer: the stored
 * answer, which a replay sends and which sits in PostgreSQL, holds `secret: null` instead.
 */
function withoutSigningSecret(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  const secret = record.secret;
  return typeof secret === 'string' && secret.startsWith('whsec_') ? { ...record, secret: null } : body;
}
