// The one HTTP door to Klarna: a keep-alive undici Agent, the headers every call needs, and a
// result that is always a value (an answer, or a classified network failure), never a throw.
//
// What it guarantees about secrets: the API key, customer token and network session token are
// put into headers here and nowhere else (`reveal` happens in `headersOf`), and the one log line
// per call carries operation, method, path, status, duration, correlation id and idempotency key
// only: never a body, a header value or an error message.
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../domain/clock.js';
import { reveal } from '../secrets/reveal.js';
import type { CustomerTokenSecret, NetworkSessionTokenSecret } from '../secrets/secret.js';
import { parseErrorBody } from './error-body.js';
import type { KlarnaLogger } from './logger.js';
import { parseRetryAfter } from './retry-after.js';

export interface KlarnaHttpConfig {
  /** `https://api-global.test.klarna.com`, or the sandbox's URL. A path prefix is kept. */
  readonly baseUrl: string;
  /** Sent verbatim after `Basic ` (CONTRACT.md §1). */
  readonly apiKey: string;
  readonly logger: KlarnaLogger;
  /** Reads "now" for Retry-After dates. Default: the machine clock. */
  readonly clock?: Clock;
  /** TCP (and TLS) connect. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** From sending the request to the whole response head. Default 30 s. */
  readonly headersTimeoutMs?: number;
  /** Longest pause between two body chunks. Default 30 s. */
  readonly bodyTimeoutMs?: number;
  /** Optional deadline for the whole call, on top of the three above. */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept. Default 30 s (a server's own hint wins if shorter). */
  readonly keepAliveTimeoutMs?: number;
  /** Most sockets to Klarna's origin at once. Default 64. */
  readonly connections?: number;
  /** Larger answers are refused (UNREADABLE_RESPONSE). Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Told of every call once it ends (metrics); this module stays free of any metrics library. */
  readonly observer?: KlarnaCallObserver;
}

/** How a call ended, coarsely: a status class, 429 on its own, or the network failure. */
export type KlarnaCallOutcome =
  '2xx' | '3xx' | '4xx' | '429' | '5xx' | 'timeout' | 'connection' | 'unreadable_response';

export interface KlarnaCallObserver {
  /** `status`: the HTTP status, when a response head arrived. */
  onCall(
    operation: KlarnaOperation,
    outcome: KlarnaCallOutcome,
    seconds: number,
    status: number | null,
  ): void;
}

/** What an operation is called in logs. */
export type KlarnaOperation =
  | 'authorize'
  | 'read_payment_request'
  | 'cancel_payment_request'
  | 'capture'
  | 'refund_capture'
  | 'void_transaction'
  | 'read_transaction'
  | 'create_signing_key'
  | 'list_signing_keys'
  | 'delete_signing_key'
  | 'create_webhook'
  | 'list_webhooks'
  | 'delete_webhook';

interface RequestBase {
  readonly operation: KlarnaOperation;
  /** Path below the base URL, already encoded (see `paths.ts`). */
  readonly path: string;
  /** Echoed by Klarna; `^[A-Za-z0-9]{1,255}$`. */
  readonly partnerCorrelationId?: string;
}

/**
 * Every POST and DELETE carries the caller's idempotency key (CONTRACT.md §3): the caller derives it
 * from its database row so that a re-send after a crash is the same request; the client never
 * invents one, and the type makes it impossible to forget.
 */
export type KlarnaHttpRequest =
  | (RequestBase & { readonly method: 'GET' })
  | (RequestBase & {
      readonly method: 'POST';
      readonly idempotencyKey: string;
      readonly body?: unknown;
      readonly customerToken?: CustomerTokenSecret;
      readonly networkSessionToken?: NetworkSessionTokenSecret;
    })
  | (RequestBase & { readonly method: 'DELETE'; readonly idempotencyKey: string });

export type NetworkFailureReason = 'TIMEOUT' | 'CONNECTION' | 'UNREADABLE_RESPONSE';

export type ResponseBody = { kind: 'json'; value: unknown } | { kind: 'empty' } | { kind: 'not_json' };

export type KlarnaHttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly correlationId: string | null;
      /** From Retry-After (seconds or HTTP-date), in ms from now. */
      readonly retryAfterMs: number | null;
      readonly body: ResponseBody;
    }
  | {
      readonly kind: 'failure';
      readonly reason: NetworkFailureReason;
      /** Known when the head arrived but the body did not. */
      readonly status: number | null;
      readonly correlationId: string | null;
    };

const IDEMPOTENCY_KEY_MAX = 255;
const PARTNER_CORRELATION_ID = /^[A-Za-z0-9]{1,255}$/;

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'UND_ERR_ABORTED',
  'ABORT_ERR',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
/** Errors that mean our own request was malformed: a bug, not an outcome. */
const USAGE_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE']);

export class KlarnaHttp {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly authorization: string;
  private readonly logger: KlarnaLogger;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number | undefined;
  private readonly observer: KlarnaCallObserver | undefined;

  constructor(config: KlarnaHttpConfig) {
    const base = parseBaseUrl(config.baseUrl);
    if (typeof config.apiKey !== 'string' || config.apiKey === '') {
      throw new TypeError('KlarnaHttpConfig.apiKey must be a non-empty string');
    }
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.authorization = `Basic ${config.apiKey}`;
    this.logger = config.logger;
    this.clock = config.clock ?? systemClock;
    this.requestTimeoutMs = config.requestTimeoutMs;
    this.observer = config.observer;
    this.agent = new Agent({
      connect: { timeout: config.connectTimeoutMs ?? 5_000 },
      headersTimeout: config.headersTimeoutMs ?? 30_000,
      bodyTimeout: config.bodyTimeoutMs ?? 30_000,
      keepAliveTimeout: config.keepAliveTimeoutMs ?? 30_000,
      connections: config.connections ?? 64,
      maxResponseSize: config.maxResponseBytes ?? 1_048_576,
    });
  }

  async send(request: KlarnaHttpRequest): Promise<KlarnaHttpResult> {
    const headers = this.headersOf(request);
    const startedAt = performance.now();
    const options: Dispatcher.RequestOptions = {
      origin: this.origin,
      path: `${this.basePath}${request.path}`,
      method: request.method,
      headers,
    };
    if (request.method === 'POST' && request.body !== undefined) options.body = JSON.stringify(request.body);
    if (this.requestTimeoutMs !== undefined) options.signal = AbortSignal.timeout(this.requestTimeoutMs);

    let response: Dispatcher.ResponseData;
    try {
      response = await this.agent.request(options);
    } catch (error) {
      const failure = classify(error, request.operation);
      return this.finish(
        request,
        startedAt,
        { kind: 'failure', reason: failure.reason, status: null, correlationId: null },
        failure.code,
      );
    }

    const status = response.statusCode;
    const correlationId = firstHeader(response.headers['klarna-correlation-id']);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      const failure = classify(error, request.operation);
      // A head without its body: the call may have executed, so the outcome is unknown.
      const reason = failure.reason === 'TIMEOUT' ? 'TIMEOUT' : 'UNREADABLE_RESPONSE';
      return this.finish(
        request,
        startedAt,
        { kind: 'failure', reason, status, correlationId },
        failure.code,
      );
    }

    return this.finish(request, startedAt, {
      kind: 'response',
      status,
      correlationId,
      retryAfterMs: parseRetryAfter(firstHeader(response.headers['retry-after']), this.clock),
      body: parseBody(text),
    });
  }

  /** Closes idle sockets and waits for calls in flight. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private headersOf(request: KlarnaHttpRequest): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
    };
    if (request.partnerCorrelationId !== undefined) {
      if (!PARTNER_CORRELATION_ID.test(request.partnerCorrelationId)) {
        throw new RangeError('Partner-Correlation-Id must match ^[A-Za-z0-9]{1,255}$');
      }
      headers['partner-correlation-id'] = request.partnerCorrelationId;
    }
    if (request.method === 'GET') return headers;
    const key = request.idempotencyKey;
    if (typeof key !== 'string' || key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX) {
      throw new RangeError(`Klarna-Idempotency-Key must be 1..${IDEMPOTENCY_KEY_MAX} characters`);
    }
    headers['klarna-idempotency-key'] = key;
    if (request.method === 'DELETE') return headers;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.customerToken !== undefined) headers['klarna-customer-token'] = reveal(request.customerToken);
    if (request.networkSessionToken !== undefined) {
      headers['klarna-network-session-token'] = reveal(request.networkSessionToken);
    }
    return headers;
  }

  private finish(
    request: KlarnaHttpRequest,
    startedAt: number,
    result: KlarnaHttpResult,
    failureCode?: string,
  ): KlarnaHttpResult {
    const elapsedMs = performance.now() - startedAt;
    this.observer?.onCall(request.operation, outcomeOf(result), elapsedMs / 1_000, result.status);
    const line: Record<string, unknown> = {
      operation: request.operation,
      method: request.method,
      path: request.path,
      status: result.status,
      durationMs: Math.round(elapsedMs * 10) / 10,
      correlationId: result.correlationId,
      idempotencyKey: request.method === 'GET' ? null : request.idempotencyKey,
    };
    if (request.partnerCorrelationId !== undefined) line.partnerCorrelationId = request.partnerCorrelationId;
    if (result.kind === 'failure') {
      line.failure = result.reason;
      if (failureCode !== undefined) line.failureCode = failureCode;
      this.logger.warn(line, 'klarna call failed');
      return result;
    }
    if (result.status >= 400 && result.body.kind === 'json') {
      const { errorCode, errorId } = parseErrorBody(result.body.value);
      line.errorCode = errorCode;
      line.errorId = errorId;
    }
    if (result.status >= 500 || result.status === 429) this.logger.warn(line, 'klarna call');
    else this.logger.debug(line, 'klarna call');
    return result;
  }
}

function outcomeOf(result: KlarnaHttpResult): KlarnaCallOutcome {
  if (result.kind === 'failure') {
    switch (result.reason) {
      case 'TIMEOUT':
        return 'timeout';
      case 'CONNECTION':
        return 'connection';
      case 'UNREADABLE_RESPONSE':
        return 'unreadable_response';
    }
  }
  const { status } = result;
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('KlarnaHttpConfig.baseUrl must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('KlarnaHttpConfig.baseUrl must be http(s)');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new TypeError('KlarnaHttpConfig.baseUrl must not carry credentials, a query or a fragment');
  }
  return url;
}

function firstHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? null : first;
}

function parseBody(text: string): ResponseBody {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'not_json' };
  }
}

/** The error's code only (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`); messages are never read. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return 'ABORT_ERR';
    current = current.cause;
  }
  return undefined;
}

function classify(
  error: unknown,
  operation: KlarnaOperation,
): { reason: NetworkFailureReason; code: string | undefined } {
  const code = errorCode(error);
  if (code !== undefined && USAGE_CODES.has(code)) {
    // Our request could not be built (e.g. a header value with a newline). Nothing was sent; a
    // re-send would fail the same way. The message names headers, never their values.
    throw new TypeError(`klarna ${operation}: request rejected before sending (${code})`);
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) return { reason: 'TIMEOUT', code };
  if (code !== undefined && CONNECTION_CODES.has(code)) return { reason: 'CONNECTION', code };
  return { reason: 'UNREADABLE_RESPONSE', code };
}
