// Basic auth on /v2/** (CONTRACT.md §1: the key is sent verbatim after `Basic `) and the optional
// SIM-ONLY token on /__sim/**.
import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';

const digest = (value: string): Buffer => hash('sha256', value, 'buffer');

/** Constant-time comparison: both sides are hashed to equal length first. */
function secretMatches(expectedDigest: Buffer, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(expectedDigest, digest(given));
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;

export function authHook(opts: { apiKey: string; simToken: string | undefined }): Hook {
  const apiKeyDigest = digest(opts.apiKey);
  const simTokenDigest = opts.simToken === undefined ? undefined : digest(opts.simToken);
  return (request, _reply, done) => {
    const url = request.url;
    if (url.startsWith('/v2/') || url === '/v2') {
      const header = firstValue(request.headers.authorization);
      // The scheme is case-insensitive (RFC 9110); the key itself is compared byte for byte.
      const key = header !== undefined && /^basic /i.test(header) ? header.slice(6) : undefined;
      if (!secretMatches(apiKeyDigest, key)) {
        return done(new SandboxHttpError(401, 'UNAUTHORIZED', 'Missing or invalid API key'));
      }
    } else if (simTokenDigest !== undefined && url.startsWith('/__sim')) {
      if (!secretMatches(simTokenDigest, firstValue(request.headers['sandbox-sim-token']))) {
        return done(new SandboxHttpError(401, 'UNAUTHORIZED', 'Missing or invalid Sandbox-Sim-Token'));
      }
    }
    done();
  };
}
