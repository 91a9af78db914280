// JSON body parsing: an empty body reads as "no body" (clients send Content-Type on DELETE too),
// malformed JSON is a 400 naming `body`. The raw text is kept for the idempotency body check.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { INVALID_PARAMETERS } from './error-format.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received (JSON routes only). */
    rawBody: string | undefined;
  }
}

export function installJsonBodyParser(app: FastifyInstance): void {
  app.decorateRequest('rawBody', undefined);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      request.rawBody = text;
      let parsed: unknown;
      try {
        parsed = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      } catch {
        if (text.trim() === '') return done(null, undefined);
        return done(
          new SandboxHttpError(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, [
            { parameter: 'body', reason: 'is not valid JSON' },
          ]),
        );
      }
      done(null, parsed);
    },
  );
}
