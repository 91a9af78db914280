// Klarna-Correlation-Id on every answer and the echo of Partner-Correlation-Id (CONTRACT.md §2).
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { INVALID_PARAMETERS } from './error-format.js';
import { readHeader } from './headers.js';

const PARTNER_CORRELATION_ID = /^[A-Za-z0-9]{1,255}$/;

/** First onRequest hook, so even auth failures and 404s carry the ids. */
export function correlationHook(
  request: FastifyRequest,
  reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  reply.header('Klarna-Correlation-Id', randomUUID());
  const partnerId = readHeader(request.headers, 'partner-correlation-id');
  if (partnerId === undefined) return done();
  if (!PARTNER_CORRELATION_ID.test(partnerId)) {
    return done(
      new SandboxHttpError(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, [
        { parameter: 'Partner-Correlation-Id', reason: 'must be 1-255 characters of [A-Za-z0-9]' },
      ]),
    );
  }
  reply.header('Partner-Correlation-Id', partnerId);
  done();
}
