// Operator endpoints for the shared clock:
//   GET  /internal/clock            the clock (mode, now, offset, generation, live processes)
//   POST /internal/clock/advance    {"by": "P1D"}: answers once every process runs on the new time
//                                   and nothing is due (a long jump can take a while)
// Both need `Authorization: Bearer <OPERATOR_TOKEN>`. Without a configured token the routes are
// not registered at all, so they answer 404 like any unknown path. Errors are problem+json
// (RFC 9457) with the offending `field` named.
//
// Self-contained on purpose: plain Fastify and zod, no app-wide hooks or type provider, so the API
// app registers it with one call.
import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../store/audit.js';
import { parseDuration, parseStep } from '../../clock/duration.js';
import { advancedJson, clockViewJson, type ClockOperations } from '../../clock/operations.js';

export interface OpsClockRoutesDeps {
  readonly ops: ClockOperations;
  /** OPERATOR_TOKEN; undefined or empty leaves the routes unregistered (404). */
  readonly operatorToken: string | undefined;
}

const OPERATOR: Actor = { kind: 'OPERATOR', id: 'operator-token' };
const advanceBody = z.strictObject({ by: z.string(), step: z.string().optional() });

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

export function registerOpsClockRoutes(app: FastifyInstance, deps: OpsClockRoutesDeps): void {
  const token = deps.operatorToken;
  if (token === undefined || token === '') return;
  const expected = digest(token);

  const authorize = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header) : null;
    // Comparing fixed-length digests keeps the comparison constant-time whatever was sent.
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) {
      done();
      return;
    }
    // Answering here ends the request: done() is not called.
    void reply
      .header('www-authenticate', 'Bearer realm="rebill-operator"')
      .send(
        problem(reply, 401, 'a valid operator token is required: Authorization: Bearer <OPERATOR_TOKEN>'),
      );
  };

  const errorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    // Body parsing failures (bad JSON, wrong content type) are the caller's; anything else is ours.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      void reply.send(problem(reply, status, error.message, { field: 'body' }));
      return;
    }
    request.log.error({ err: error }, 'clock endpoint failed');
    void reply.send(problem(reply, 500, 'the clock operation failed; see the server log'));
  };

  app.route({
    method: 'GET',
    url: '/internal/clock',
    onRequest: authorize,
    errorHandler,
    handler: async () => clockViewJson(await deps.ops.show()),
  });

  app.route({
    method: 'POST',
    url: '/internal/clock/advance',
    onRequest: authorize,
    errorHandler,
    handler: async (request, reply) => {
      const body = advanceBody.safeParse(request.body ?? {});
      if (!body.success) {
        const issue = body.error.issues[0];
        const field =
          issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue?.path.join('.') || 'by';
        const detail =
          issue?.code === 'unrecognized_keys'
            ? 'unknown field; the body is {"by": "<duration>", "step"?: "<duration>"}'
            : 'required: a duration such as "P1D", "PT2H" or "30d"';
        return reply.send(problem(reply, 400, detail, { field }));
      }
      const by = parseDuration(body.data.by, 'by');
      if (!by.ok) return reply.send(problem(reply, 400, by.message, { field: by.field }));

      const step = body.data.step === undefined ? undefined : parseStep(body.data.step, 'step');
      if (step !== undefined && !step.ok)
        return reply.send(problem(reply, 400, step.message, { field: step.field }));

      const outcome = await deps.ops.advance(by.ms, OPERATOR, step === undefined ? {} : { stepMs: step.ms });
      switch (outcome.kind) {
        case 'advanced':
          return reply.send(advancedJson(outcome));
        case 'invalid':
          return reply.send(problem(reply, 400, outcome.message, { field: outcome.field }));
        case 'system-mode':
          return reply.send(problem(reply, 409, outcome.message));
        case 'sandbox-failed':
          return reply.send(problem(reply, 502, outcome.message, progressJson(outcome)));
        case 'lagging':
          return reply.send(
            problem(reply, 504, outcome.message, {
              ...progressJson(outcome),
              generation: outcome.generation,
              lagging: outcome.laggards.map((p) => ({
                role: p.role,
                pid: p.pid,
                hostname: p.hostname,
                clockGeneration: p.clockGeneration,
              })),
            }),
          );
        case 'busy':
          return reply.send(
            problem(reply, 504, outcome.message, { ...progressJson(outcome), busy: outcome.busy }),
          );
      }
    },
  });
}

function progressJson(p: { readonly steps: number; readonly reached: Date }): Record<string, unknown> {
  return { steps: p.steps, reached: p.reached.toISOString() };
}

function problem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  reply.code(status).type('application/problem+json');
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
