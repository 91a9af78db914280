// Infrastructure faults (SIM-ONLY). HTTP_ERROR, TIMEOUT and DROP fire before the call executes, so
// nothing happens and, never being stored under the idempotency key, a retry with the same key runs
// for real. LOSE_RESPONSE runs the call, stores its answer under the key, and never sends it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { storeUnsentResult } from '../idempotency/hooks.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { EarlyFault } from './schema.js';

export { isEarlyFault, isFault } from './schema.js';

const HTTP_ERRORS = {
  // 401/403 as CONTRACT.md §12 lists them: a request that will never succeed as it is.
  401: { code: 'UNAUTHORIZED', message: 'Invalid credentials (simulated)' },
  403: { code: 'FORBIDDEN', message: 'Not allowed for this partner account (simulated)' },
  429: { code: 'RATE_LIMITED', message: 'Too many requests' },
  500: { code: 'INTERNAL_ERROR', message: 'Internal error (simulated)' },
  503: { code: 'TEMPORARILY_UNAVAILABLE', message: 'Service temporarily unavailable (simulated)' },
} as const;

/**
 * Throws the HTTP error, or takes the socket over: TIMEOUT holds it until the client gives up,
 * DROP destroys it. `beforeTakeover` runs first (the idempotency layer forgets the key on close).
 */
export function applyFault(
  fault: EarlyFault,
  request: FastifyRequest,
  reply: FastifyReply,
  beforeTakeover: () => void,
): undefined {
  switch (fault.result) {
    case 'HTTP_ERROR': {
      const { code, message } = HTTP_ERRORS[fault.status];
      if (fault.status === 429 || fault.status === 503) void reply.header('Retry-After', '1');
      throw new SandboxHttpError(fault.status, code, message);
    }
    case 'TIMEOUT':
      // Never answered; the socket closes when the client aborts (or the sandbox stops).
      beforeTakeover();
      reply.hijack();
      return undefined;
    case 'DROP':
      beforeTakeover();
      reply.hijack();
      request.raw.socket.destroy();
      return undefined;
  }
}

/** LOSE_RESPONSE: the call has run; its answer is kept for a same-key replay, then the socket dies. */
export function loseResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  idempotency: IdempotencyStore,
  result: { status: number; body: unknown },
): undefined {
  storeUnsentResult(request, idempotency, result);
  reply.hijack();
  request.raw.socket.destroy();
  return undefined;
}
