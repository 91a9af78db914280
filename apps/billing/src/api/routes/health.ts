// Liveness and readiness, unauthenticated: /healthz answers while the process runs; /readyz
// only when every dependency (database, Redis) answers its probe; /metrics for Prometheus, when the
// role passes its registry (kept out of the OpenAPI document: it is not the merchant API).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResolvedApiDeps } from '../deps.js';
import { problem, sendProblem } from '../problems.js';
import { runProbes } from '../readiness.js';
import { problemResponses } from '../schemas/common.js';
import { zodApp } from './common.js';

const tags = ['Health'];
const checksSchema = z.record(z.string(), z.enum(['ok', 'failed', 'timed_out']));

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  api.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: the database and Redis answer',
        security: [],
        response: {
          200: z.object({ status: z.literal('ready'), checks: checksSchema }),
          ...problemResponses(503),
        },
      },
    },
    async (request, reply) => {
      const checks = await runProbes(deps.readiness, deps.options.readinessTimeoutMs);
      const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
      if (failing.length > 0) {
        return sendProblem(
          request,
          reply,
          problem('not-ready', `Not ready: ${failing.join(', ')}.`, { checks }),
        );
      }
      return reply.send({ status: 'ready' as const, checks });
    },
  );

  const { metrics } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await metrics();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  }
}
