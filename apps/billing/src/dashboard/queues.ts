// bull-board over every Rebill queue at /dashboard/queues, behind the dashboard's session. Its UI
// talks to its own JSON API with fetch and cannot send our CSRF token, so its mutating routes
// (every method but GET/HEAD: retry, retry all, clean, promote, remove, pause, add, ...) are guarded
// here instead: the request must come from this origin (Origin, else Sec-Fetch-Site) on top of the
// SameSite=Lax session cookie, and from an ADMIN; a viewer gets 403.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { DashboardDeps } from './deps.js';
import { sessionOf } from './session.js';

export const QUEUES_PATH = '/dashboard/queues';

/** Same origin: Origin names this host, or (no Origin) the browser says same-origin. */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (origin !== undefined) {
    try {
      const from = new URL(origin);
      // Read the Host header through URL too, so that a default port (":80") compares equal.
      return host !== undefined && new URL(`${from.protocol}//${host}`).host === from.host;
    } catch {
      return false;
    }
  }
  return request.headers['sec-fetch-site'] === 'same-origin';
}

const guardMutations: onRequestAsyncHookHandler = async (request, reply) => {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (!isSameOrigin(request)) {
    await reply.code(403).send({ error: 'cross-origin request refused' });
    return;
  }
  if (sessionOf(request).operator.role !== 'ADMIN') {
    await reply.code(403).send({ error: 'viewers cannot change queues' });
  }
};

export async function registerQueueBoard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Rebill queues' } },
  });
  await app.register(
    async (board) => {
      board.addHook('onRequest', guardMutations);
      await board.register(serverAdapter.registerPlugin());
    },
    { prefix: '/queues' },
  );
}
