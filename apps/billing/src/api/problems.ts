// RFC 9457 problem details: the one error shape of the API. Every problem has a stable `type` URI
// from this catalogue (documented in README.md next to this file), the HTTP status, a short
// title, a detail for this occurrence and, for bad input, `errors` naming each offending field.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_BASE_URI = 'https://rebill.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'The request is not valid' },
  'malformed-request': { status: 400, title: 'The request could not be read' },
  unauthorized: { status: 401, title: 'Authentication required' },
  'not-found': { status: 404, title: 'Not found' },
  'already-exists': { status: 409, title: 'Already exists' },
  'plan-archived': { status: 409, title: 'The plan is archived' },
  'last-active-key': { status: 409, title: "The merchant's last active API key" },
  'illegal-transition': { status: 409, title: 'Not allowed in the current state' },
  'charge-not-captured': { status: 409, title: 'The charge has no captured money to refund' },
  'charge-closed': { status: 409, title: 'The charge is closed' },
  'amount-exceeds-refundable': { status: 409, title: 'More than the charge has left to refund' },
  'nothing-to-void': { status: 409, title: 'The charge has nothing left to void' },
  'endpoint-deleted': { status: 409, title: 'The webhook endpoint was deleted' },
  'idempotency-in-flight': { status: 409, title: 'A request with this Idempotency-Key is in progress' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused for another request' },
  'currency-mismatch': { status: 422, title: "Not the subscription's currency" },
  'token-not-usable': { status: 422, title: 'The customer token cannot start this subscription' },
  internal: { status: 500, title: 'Internal error' },
  'klarna-rejected': { status: 502, title: 'Klarna rejected the request' },
  'klarna-unavailable': { status: 503, title: 'Klarna is unavailable' },
  'not-ready': { status: 503, title: 'Not ready' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export interface FieldError {
  /** JSON path of the offending input: `amount`, `dunning_policy.retry_offsets_hours[2]`, `query.limit`, `idempotency-key`. */
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  /** Extension members (snake_case), e.g. `subscription_id`. */
  readonly [extension: string]: unknown;
}

export function problem(
  slug: ProblemSlug,
  detail: string,
  extensions: { readonly errors?: readonly FieldError[]; readonly [key: string]: unknown } = {},
): Problem {
  const { status, title } = PROBLEM_TYPES[slug];
  return { type: `${PROBLEM_BASE_URI}${slug}`, title, status, detail, ...extensions };
}

/** A 400 naming the offending fields. */
export function validationProblem(errors: readonly FieldError[]): Problem {
  const fields = errors.map((e) => e.field);
  const unique = [...new Set(fields)];
  return problem('validation', `Invalid ${unique.length === 1 ? 'field' : 'fields'}: ${unique.join(', ')}.`, {
    errors,
  });
}

/** A 409: the subscription's state machine refused `command` in its `status`, for `reason`. */
export function illegalTransitionProblem(command: string, status: string, reason: string): Problem {
  return problem(
    'illegal-transition',
    `${command} is not allowed while the subscription is ${status}: ${reason}.`,
    {
      subscription_status: status,
      reason,
    },
  );
}

export function notFoundProblem(what: string): Problem {
  return problem('not-found', `No such ${what}.`);
}

/** Sends `p` as application/problem+json, with the request path as its `instance`. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  const body = { ...p, instance: p.instance ?? request.url.split('?')[0] };
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(body);
}
