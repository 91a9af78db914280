// Applies the idempotency store to every POST/PATCH/DELETE under /v2 that sends
// Klarna-Idempotency-Key: replay, 409 while in flight, store 2xx/4xx, forget everything else.
import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { INVALID_PARAMETERS } from '../http/error-format.js';
import { readHeader } from '../http/headers.js';
import { requestPath } from '../http/request-path.js';
import { isStorable, type IdempotencyStore, type Ticket } from './store.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyTicket: Ticket | undefined;
  }
}

const KEYED_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** Only used to warn when a key is reused with another body; sha1 is the cheapest native hash. */
function fingerprint(text: string): string {
  return hash('sha1', text, 'base64');
}

/**
 * Called by anything that takes the socket over (hijack) instead of answering: a timeout or a
 * dropped connection is never a result, so the key is forgotten once the socket closes.
 */
export function forgetKeyOnClose(request: FastifyRequest, store: IdempotencyStore): void {
  const ticket = request.idempotencyTicket;
  if (ticket === undefined) return;
  request.idempotencyTicket = undefined;
  const socket = request.raw.socket;
  // The client may have left already (e.g. during latency): 'close' would never fire again.
  if (socket.destroyed) store.abandon(ticket);
  else socket.once('close', () => store.abandon(ticket));
}

/** A result computed but never sent (LOSE_RESPONSE): stored as if it had been, for the replay. */
export function storeUnsentResult(
  request: FastifyRequest,
  store: IdempotencyStore,
  result: { status: number; body: unknown },
): void {
  const ticket = request.idempotencyTicket;
  if (ticket === undefined) return;
  request.idempotencyTicket = undefined;
  if (!isStorable(result.status)) return store.abandon(ticket);
  store.complete(ticket, {
    status: result.status,
    body: JSON.stringify(result.body),
    contentType: 'application/json; charset=utf-8',
  });
}

/** §18 spells the in-flight conflict RESOURCE_CONFLICT; the older endpoints answer CONFLICT. */
function inFlightCode(path: string): string {
  return path.includes('/payment/transactions/') ? 'RESOURCE_CONFLICT' : 'CONFLICT';
}

export function installIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  app.decorateRequest('idempotencyTicket', undefined);

  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (!KEYED_METHODS.has(request.method)) return done();
    // Decoded: %3A and : name the same account, and /%762/ is /v2/ to the router.
    const path = requestPath(request.url);
    if (!path.startsWith('/v2/')) return done();
    const key = readHeader(request.headers, 'klarna-idempotency-key');
    if (key === undefined) return done();
    if (key.length < 1 || key.length > 255) {
      return done(
        new SandboxHttpError(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, [
          { parameter: 'Klarna-Idempotency-Key', reason: 'must be 1-255 characters' },
        ]),
      );
    }
    const scope = `${request.method} ${path}\n${key}`;
    const bodyHash = fingerprint(request.rawBody ?? '');
    const begun = store.begin(scope, bodyHash);
    switch (begun.kind) {
      case 'in_flight':
        return done(
          new SandboxHttpError(
            409,
            inFlightCode(path),
            'A request with this Klarna-Idempotency-Key is in flight',
          ),
        );
      case 'replay':
        if (begun.bodyDiffers) {
          request.log.warn(
            { idempotencyKey: key },
            'idempotency key reused with a different body; replaying the first result',
          );
        }
        void reply.code(begun.result.status).type(begun.result.contentType).send(begun.result.body);
        return; // answered: the route does not run
      case 'execute':
        request.idempotencyTicket = begun.ticket;
        return done();
    }
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const ticket = request.idempotencyTicket;
    if (ticket !== undefined) {
      request.idempotencyTicket = undefined;
      const status = reply.statusCode;
      if (isStorable(status) && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
        store.complete(ticket, { status, body: payload.toString(), contentType });
      } else {
        store.abandon(ticket);
      }
    }
    done(null, payload);
  });
}
