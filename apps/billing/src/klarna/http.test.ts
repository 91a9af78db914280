// What KlarnaHttp refuses before anything is sent: no socket is opened in these tests (the
// calls over real HTTP are in test/klarna-client).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../config/logger.js';
import { KlarnaHttp, type KlarnaHttpConfig } from './http.js';
import { capturingLogger } from './klarna.test-support.js';
import { klarnaPaths } from './paths.js';

const API_KEY = 'sk-test-raw-api-key';
const opened: KlarnaHttp[] = [];

function client(overrides: Partial<KlarnaHttpConfig> = {}): KlarnaHttp {
  const http = new KlarnaHttp({
    baseUrl: 'http://127.0.0.1:9',
    apiKey: API_KEY,
    logger: capturingLogger(),
    ...overrides,
  });
  opened.push(http);
  return http;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((http) => http.close()));
});

describe('KlarnaHttp configuration', () => {
  it("takes the project's pino logger as it is", async () => {
    const http = new KlarnaHttp({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: API_KEY,
      logger: createLogger({ level: 'silent' }),
    });
    await http.close();
  });

  it.each([
    ['not a URL', { baseUrl: 'api-global.klarna.com' }, /baseUrl must be an absolute URL/],
    ['not http', { baseUrl: 'ftp://klarna.example' }, /baseUrl must be http\(s\)/],
    ['with credentials', { baseUrl: 'https://user:pw@klarna.example' }, /must not carry credentials/],
    ['with a query', { baseUrl: 'https://klarna.example/?x=1' }, /must not carry credentials, a query/],
    ['an empty API key', { apiKey: '' }, /apiKey must be a non-empty string/],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => client(overrides)).toThrow(message);
  });

  it('never puts the API key into a configuration error', () => {
    try {
      client({ baseUrl: `https://${API_KEY}@klarna.example` });
    } catch (error) {
      expect(String(error)).not.toContain(API_KEY);
      return;
    }
    throw new Error('expected a throw');
  });
});

describe('KlarnaHttp refuses a call it must not send', () => {
  it.each(['', 'k'.repeat(256)])('an idempotency key of %j characters', async (key) => {
    const http = client();
    await expect(
      http.send({
        operation: 'authorize',
        method: 'POST',
        path: klarnaPaths.authorize('krn:a'),
        idempotencyKey: key,
      }),
    ).rejects.toThrow(RangeError);
    await expect(
      http.send({ operation: 'cancel_payment_request', method: 'DELETE', path: '/x', idempotencyKey: key }),
    ).rejects.toThrow(/Klarna-Idempotency-Key must be 1..255 characters/);
  });

  it.each(['has space', 'dash-ed', 'x'.repeat(256)])('a Partner-Correlation-Id %j', async (id) => {
    const http = client();
    await expect(
      http.send({ operation: 'read_payment_request', method: 'GET', path: '/x', partnerCorrelationId: id }),
    ).rejects.toThrow(/Partner-Correlation-Id/);
  });
});

describe('klarnaPaths', () => {
  it('keeps KRN colons and encodes what would break the path', () => {
    expect(klarnaPaths.authorize('krn:partner:global:account:test:M1')).toBe(
      '/v2/accounts/krn:partner:global:account:test:M1/payment/authorize',
    );
    expect(klarnaPaths.paymentRequest('krn:a', 'krn:payment:eu1:request:1/../x?y')).toBe(
      '/v2/accounts/krn:a/payment/requests/krn:payment:eu1:request:1%2F..%2Fx%3Fy',
    );
  });
});
