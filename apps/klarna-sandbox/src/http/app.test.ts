// App-wide behaviour over real HTTP: auth, correlation ids, the error format, unknown routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const AUTHORIZE = `/v2/accounts/${TEST_ACCOUNT}/payment/authorize`;

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startSandbox({ apiKey: 'test-key-XYZ:with spaces' });
});
afterAll(async () => {
  await sb.close();
});

describe('Basic auth on /v2/**', () => {
  it.each([
    ['no header', undefined],
    ['wrong key', 'Basic nope'],
    [
      'base64 of key (not the adopted encoding)',
      `Basic ${Buffer.from('test-key-XYZ:with spaces:').toString('base64')}`,
    ],
    ['bearer scheme', 'Bearer test-key-XYZ:with spaces'],
    ['two spaces after the scheme', 'Basic  test-key-XYZ:with spaces'],
    ['key prefix', 'Basic test-key'],
  ])('401 UNAUTHORIZED for %s', async (_name, authorization) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.Authorization = authorization;
    const res = await fetch(`${sb.baseUrl}${AUTHORIZE}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('klarna-correlation-id')).toMatch(UUID_V4);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error_type: 'ACCESS_ERROR', error_code: 'UNAUTHORIZED' });
    expect(body.error_id).toMatch(UUID_V4);
  });

  it('accepts the key verbatim, scheme case-insensitive', async () => {
    for (const scheme of ['Basic', 'basic', 'BASIC']) {
      const res = await sb.request('GET', '/v2/nothing-here', {
        headers: { Authorization: `${scheme} test-key-XYZ:with spaces` },
      });
      expect(res.status).toBe(404);
    }
  });

  it.each([['%762'], ['v%32'], ['%76%32']])(
    '401 when the /v2 prefix is percent-encoded (/%s/…): the router decodes it, so must auth',
    async (prefix) => {
      const res = await sb.request(
        'GET',
        `/${prefix}/accounts/krn:partner:global:account:test:M1/payment/requests/x`,
        {
          auth: false,
        },
      );
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error_code: 'UNAUTHORIZED' });
    },
  );

  it('401 also for unknown /v2 routes without a key (auth before routing)', async () => {
    const res = await sb.request('GET', '/v2/nothing-here', { auth: false });
    expect(res.status).toBe(401);
  });
});

describe('correlation ids', () => {
  it('sets a fresh UUID v4 Klarna-Correlation-Id on every answer, including 404s', async () => {
    const a = await sb.request('GET', '/v2/nothing-here');
    const b = await sb.request('GET', '/nowhere', { auth: false });
    expect(a.status).toBe(404);
    expect(b.status).toBe(404);
    expect(a.headers.get('klarna-correlation-id')).toMatch(UUID_V4);
    expect(b.headers.get('klarna-correlation-id')).toMatch(UUID_V4);
    expect(a.headers.get('klarna-correlation-id')).not.toBe(b.headers.get('klarna-correlation-id'));
    expect(a.body).toMatchObject({ error_code: 'NOT_FOUND', error_type: 'RESOURCE_ERROR' });
  });

  it('echoes a valid Partner-Correlation-Id (also in its X- spelling)', async () => {
    const a = await sb.request('GET', '/v2/nothing-here', {
      headers: { 'Partner-Correlation-Id': 'abc123XYZ' },
    });
    expect(a.headers.get('partner-correlation-id')).toBe('abc123XYZ');
    const b = await sb.request('GET', '/v2/nothing-here', {
      headers: { 'X-Partner-Correlation-Id': 'xyz9' },
    });
    expect(b.headers.get('partner-correlation-id')).toBe('xyz9');
  });

  it.each([['with-dash'], ['a'.repeat(256)], ['späce']])(
    '400 for an invalid Partner-Correlation-Id %#',
    async (id) => {
      const res = await fetch(`${sb.baseUrl}/v2/nothing-here`, {
        headers: { Authorization: 'Basic test-key-XYZ:with spaces', 'Partner-Correlation-Id': encodeURI(id) },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('klarna-correlation-id')).toMatch(UUID_V4);
      expect(res.headers.get('partner-correlation-id')).toBeNull();
      expect(await res.json()).toMatchObject({
        error_code: 'VALIDATION_ERROR',
        validation_errors: [{ parameter: 'Partner-Correlation-Id' }],
      });
    },
  );
});
