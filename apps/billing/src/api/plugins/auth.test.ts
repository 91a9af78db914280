import { describe, expect } from 'vitest';
import { apiTest } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';

describe('rebill-auth', () => {
  apiTest.for([
    ['no Authorization header', {}],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bearer that is not a Rebill key', { authorization: 'Bearer abc' }],
    ['an unknown prefix', { authorization: `Bearer rbk_aaaaaaaaaaaa_${'A'.repeat(40)}` }],
  ] as const)('answers 401 for %s', async ([, headers], { app }) => {
    const response = await app.inject({ method: 'GET', url: '/v1/plans', headers });

    expectProblem(response, 401, 'unauthorized');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="rebill"');
  });

  apiTest('answers 401 for a known prefix with a wrong secret', async ({ app, merchant }) => {
    const [rbk, prefix] = merchant.token.split('_');
    const forged = `${rbk}_${prefix}_${'B'.repeat(40)}`;

    const response = await app.inject({
      method: 'GET',
      url: '/v1/plans',
      headers: { authorization: `Bearer ${forged}` },
    });

    expectProblem(response, 401, 'unauthorized');
  });

  apiTest('answers 401 for a revoked key', async ({ app, merchant, prisma, clock }) => {
    await prisma.apiKey.update({ where: { id: merchant.apiKeyId }, data: { revokedAt: clock.now() } });

    const response = await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers });

    expectProblem(response, 401, 'unauthorized');
  });

  apiTest('guards POSTs before reading their body', async ({ app }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });

    expectProblem(response, 401, 'unauthorized');
  });

  apiTest('records the last use at most once a minute', async ({ app, merchant, prisma, clock }) => {
    const lastUsed = async () =>
      (await prisma.apiKey.findUniqueOrThrow({ where: { id: merchant.apiKeyId } })).lastUsedAt?.toISOString();
    const first = clock.now().toISOString();

    expectStatus(await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers }), 200);
    expect(await lastUsed()).toBe(first);

    clock.advance(59_000);
    await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers });
    expect(await lastUsed()).toBe(first);

    clock.advance(1_000);
    await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers });
    expect(await lastUsed()).toBe(clock.now().toISOString());
  });

  apiTest('leaves health, readiness and the API description open', async ({ app }) => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expectStatus(await app.inject({ method: 'GET', url }), 200);
    }
  });
});
