// Every failure leaves in the contract's error format (CONTRACT.md §12.1): SandboxHttpError,
// zod errors, Fastify's own 4xx (content type, body size, bad URL), unknown routes. Caller input
// never produces a 500; a 500 means a sandbox bug and is logged as such.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { SandboxHttpError } from '../contracts.js';
import { SandboxError } from '../errors.js';
import { errorBody, INVALID_PARAMETERS, type ErrorBody } from './error-format.js';
import { refusalHttp } from './refusals.js';
import { zodValidationErrors } from './validation.js';

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof SandboxError) {
    const http = refusalHttp(error);
    return {
      status: http.status,
      body: errorBody(http.status, http.errorCode, error.message, error.problems, http.errorType),
      internal: false,
    };
  }
  if (error instanceof SandboxHttpError) {
    return {
      status: error.status,
      body: errorBody(error.status, error.errorCode, error.message, error.validationErrors),
      internal: false,
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      body: errorBody(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, zodValidationErrors(error)),
      internal: false,
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation)) {
    // Fastify JSON-schema validation (route modules may use it): name each failing parameter.
    const context = fastifyError.validationContext ?? 'body';
    const errors = fastifyError.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
      const path = [v.instancePath.replace(/^\//, '').replaceAll('/', '.'), missing]
        .filter(Boolean)
        .join('.');
      return { parameter: path === '' ? context : path, reason: v.message ?? 'is invalid' };
    });
    return {
      status: 400,
      body: errorBody(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, errors),
      internal: false,
    };
  }
  const status = fastifyError.statusCode;
  if (status === 413) {
    return {
      status,
      body: errorBody(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'),
      internal: false,
    };
  }
  if (status === 415) {
    const errors = [{ parameter: 'Content-Type', reason: 'must be application/json' }];
    return {
      status: 400,
      body: errorBody(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, errors),
      internal: false,
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      body: errorBody(status, 'BAD_REQUEST', fastifyError.message ?? 'Bad request'),
      internal: false,
    };
  }
  return {
    status: 500,
    body: errorBody(500, 'INTERNAL_ERROR', 'Internal sandbox error'),
    internal: true,
  };
}

function ensureCorrelationId(reply: FastifyReply): void {
  if (!reply.hasHeader('Klarna-Correlation-Id')) reply.header('Klarna-Correlation-Id', randomUUID());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) request.log.error({ err: error }, 'sandbox error');
    ensureCorrelationId(reply);
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    ensureCorrelationId(reply);
    return reply
      .code(404)
      .send(errorBody(404, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}

/** For errors Fastify raises before any hook runs (malformed URL, bad content-type header). */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = toErrorResponse(error);
  ensureCorrelationId(reply);
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}
