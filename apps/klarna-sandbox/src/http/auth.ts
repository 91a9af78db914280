// Basic auth on /v2/** (CONTRACT.md §1: the key is sent verbatim after `Basic `) and the optional
// SIM-ONLY token on /__sim/**.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { requestPath } from './request-path.js';

/**
 * Constant-time for a given length (only the length of a wrong guess can show in timing).
 * Secrets are printable ASCII (config.ts), so latin1 bytes are the bytes on the wire.
 */
function secretMatcher(secret: string): (given: string | undefined) => boolean {
  const expected = Buffer.from(secret, 'latin1');
  return (given) => {
    if (given === undefined || given.length !== secret.length) return false;
    return timingSafeEqual(Buffer.from(given, 'latin1'), expected);
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;

export function authHook(opts: { apiKey: string; simToken: string | undefined }): Hook {
  const apiKeyMatches = secretMatcher(opts.apiKey);
  const simTokenMatches = opts.simToken === undefined ? undefined : secretMatcher(opts.simToken);
  return (request, _reply, done) => {
    const path = requestPath(request.url);
    if (path.startsWith('/v2/') || path === '/v2') {
      const header = firstValue(request.headers.authorization);
      // The scheme is case-insensitive (RFC 9110); the key itself is compared byte for byte.
      const key = header !== undefined && /^basic /i.test(header) ? header.slice(6) : undefined;
      if (!apiKeyMatches(key)) {
        return done(new SandboxHttpError(401, 'UNAUTHORIZED', 'Missing or invalid API key'));
      }
    } else if (simTokenMatches !== undefined && path.startsWith('/__sim')) {
      if (!simTokenMatches(firstValue(request.headers['sandbox-sim-token']))) {
        return done(new SandboxHttpError(401, 'UNAUTHORIZED', 'Missing or invalid Sandbox-Sim-Token'));
      }
    }
    done();
  };
}
