// rebill-problems: every error leaves the API as application/problem+json. Schema validation
// failures become 400s naming each field (a malformed id in a path: 404, as no such resource
// exists), domain validation errors 400s with their issues, illegal state transitions 409s, and
// what Fastify refuses while reading a request (malformed JSON, a body too large, a content type
// other than JSON) the matching 4xx. Only a bug is a 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainValidationError, IllegalTransitionError } from '../../domain/errors.js';
import { notFoundProblem, problem, sendProblem, validationProblem, type Problem } from '../problems.js';
import { fieldErrors, type ValidationContext } from '../validation-errors.js';

const READ_ERRORS: Readonly<Record<string, (error: FastifyError) => Problem>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    problem('payload-too-large', 'The request body is larger than this API accepts.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    problem('unsupported-media-type', 'Send request bodies as application/json.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => problem('malformed-request', 'The request body is not valid JSON.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    problem('malformed-request', 'The Content-Type is application/json but the body is empty.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    problem('malformed-request', 'The Content-Length does not match the body.'),
};

export function problemFor(error: unknown): Problem | null {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context: ValidationContext = error.validationContext ?? 'body';
    if (context === 'params') return notFoundProblem('resource');
    return validationProblem(fieldErrors(context, error.validation));
  }
  if (error instanceof DomainValidationError) {
    return validationProblem(error.issues.map((issue) => ({ field: issue.field, message: issue.message })));
  }
  if (error instanceof IllegalTransitionError) {
    return problem('illegal-transition', error.message);
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code === undefined ? undefined : READ_ERRORS[fastifyError.code];
  if (known !== undefined) return known(fastifyError as FastifyError);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    // secure-json-parse refusing __proto__ / constructor.prototype keys.
    return problem('malformed-request', 'The request body is not acceptable JSON.');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { ...problem('malformed-request', 'The request could not be processed.'), status };
  }
  return null;
}

/**
 * For Fastify's `frameworkErrors` option: what the router refuses before any route or hook runs.
 * A path parameter longer than the router takes cannot be an id of ours (404, as for malformed
 * ids); a URL that does not decode is malformed.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const mapped =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? notFoundProblem('resource')
      : error.code === 'FST_ERR_BAD_URL'
        ? problem('malformed-request', 'The URL is not valid (bad percent-encoding).')
        : (problemFor(error) ?? problem('malformed-request', 'The request could not be processed.'));
  void sendProblem(request, reply, mapped);
}

export const problemsPlugin = fp(
  (app: FastifyInstance) => {
    // JSON only: Fastify would otherwise read text/plain bodies as strings.
    app.removeContentTypeParser('text/plain');

    app.setErrorHandler((error, request, reply) => {
      const mapped = problemFor(error);
      if (mapped !== null) return sendProblem(request, reply, mapped);
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(request, reply, problem('internal', 'Something went wrong on our side.'));
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        request,
        reply,
        problem('not-found', `No route ${request.method} ${request.url.split('?')[0]}.`),
      ),
    );
  },
  { name: 'rebill-problems', fastify: '5.x' },
);
