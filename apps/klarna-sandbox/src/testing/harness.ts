// Test harness: a real sandbox on an ephemeral port and a small HTTP client for it.
import { buildSandbox, type BuildOptions, type Sandbox } from '../app.js';
import { loadConfig, type SandboxConfig } from '../config.js';

export const TEST_ACCOUNT = 'krn:partner:global:account:test:MERCHANT1';
export const OTHER_ACCOUNT = 'krn:partner:global:account:test:MERCHANT2';

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined for an empty body). */
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body text, sent instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** false: send no Authorization header. */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface TestSandbox extends Sandbox {
  baseUrl: string;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts?: RequestOptions,
  ): Promise<HttpResult<T>>;
  /** POST …/payment/authorize for `account` with a fresh idempotency key unless one is given. */
  authorize<T = Record<string, unknown>>(
    body: unknown,
    headers?: Record<string, string>,
    account?: string,
  ): Promise<HttpResult<T>>;
  /** Calls a /__sim control. */
  sim<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
}

export function testConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return { ...loadConfig({}), logLevel: 'warn', port: 0, host: '127.0.0.1', ...overrides };
}

export async function startSandbox(
  overrides: Partial<SandboxConfig> = {},
  build: BuildOptions = {},
): Promise<TestSandbox> {
  const config = testConfig(overrides);
  const sandbox = await buildSandbox(config, build);
  const baseUrl = await sandbox.listen({ port: 0, host: '127.0.0.1' });

  const request = async <T>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<HttpResult<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false && headers.Authorization === undefined)
      headers.Authorization = `Basic ${config.apiKey}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && headers['Content-Type'] === undefined)
      headers['Content-Type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (opts.signal !== undefined) init.signal = opts.signal;
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
      text,
    };
  };

  return {
    ...sandbox,
    baseUrl,
    request,
    authorize: (body, headers = {}, account = TEST_ACCOUNT) =>
      request('POST', `/v2/accounts/${account}/payment/authorize`, {
        body,
        headers: { 'Klarna-Idempotency-Key': crypto.randomUUID(), ...headers },
      }),
    sim: (method, path, body) =>
      request(method, `/__sim${path}`, body === undefined ? { auth: false } : { body, auth: false }),
  };
}
