// What the route modules share: the zod-typed view of a Fastify scope and list paging.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Page, PageQuery } from '../../store/pagination.js';
import { listBody, listScope, pageRequest } from '../pagination.js';
import { sendProblem, validationProblem } from '../problems.js';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export function zodApp(app: FastifyInstance): ZodApp {
  return app.withTypeProvider<ZodTypeProvider>();
}

/**
 * Answers a list request: decodes the cursor for this list and filters (a foreign or damaged
 * cursor is a 400 naming `query.cursor`), fetches the page, wraps it in the list envelope.
 */
export async function sendList<T extends { createdAt: Date; id: string }, V>(
  request: FastifyRequest,
  reply: FastifyReply,
  list: {
    name: string;
    query: { limit: number; cursor?: string | undefined };
    filters?: Record<string, string | undefined>;
  },
  fetch: (page: PageQuery) => Promise<Page<T>>,
  view: (item: T) => V,
): Promise<FastifyReply> {
  const scope = listScope(list.name, list.filters);
  const page = pageRequest(list.query, scope);
  if (page.kind === 'invalid_cursor') {
    return sendProblem(
      request,
      reply,
      validationProblem([
        { field: 'query.cursor', message: 'is not a cursor this list issued (with these filters)' },
      ]),
    );
  }
  return reply.send(listBody(await fetch(page.page), scope, view));
}
