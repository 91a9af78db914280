import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, InvalidTimeZoneError } from '../../domain/errors.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem } from '../testing/expectations.js';
import { problemFor } from './problems.js';

const PLAN = {
  code: 'p',
  name: 'P',
  currency: 'SEK',
  amount: 100,
  interval: 'MONTH',
  interval_count: 1,
  trial_days: 0,
};

describe('requests Fastify cannot read become 4xx problems', () => {
  apiTest('malformed JSON is a 400', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: { ...merchant.headers, 'content-type': 'application/json' },
      payload: '{"code": "p",',
    });

    expectProblem(response, 400, 'malformed-request');
  });

  apiTest('an empty JSON body is a 400', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: { ...merchant.headers, 'content-type': 'application/json' },
      payload: '',
    });

    expectProblem(response, 400, 'malformed-request');
  });

  apiTest.for([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'multipart/form-data; boundary=x',
  ])('%s is a 415', async (contentType, { app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: { ...merchant.headers, 'content-type': contentType },
      payload: 'code=p',
    });

    expectProblem(response, 415, 'unsupported-media-type');
  });

  apiTest('a body over the limit is a 413', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: merchant.headers,
      payload: { ...PLAN, name: 'x'.repeat(70_000) },
    });

    expectProblem(response, 413, 'payload-too-large');
  });

  apiTest.for([
    '{"__proto__": {"admin": true}, "code": "p"}',
    '{"constructor": {"prototype": {"admin": true}}}',
  ])('prototype poisoning is a 400: %s', async (payload, { app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/plans',
      headers: { ...merchant.headers, 'content-type': 'application/json' },
      payload,
    });

    expectProblem(response, 400, 'malformed-request');
  });

  apiTest.for([
    ['[]', 'body'],
    ['"a string"', 'body'],
    ['42', 'body'],
    ['null', 'body'],
  ] as const)(
    'a JSON body that is not an object (%s) is a 400 naming the body',
    async ([payload, field], { app, merchant }) => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/plans',
        headers: { ...merchant.headers, 'content-type': 'application/json' },
        payload,
      });

      expectInvalidFields(response, [field]);
    },
  );

  apiTest('an unknown or repeated query parameter is named', async ({ app, merchant }) => {
    expectInvalidFields(
      await app.inject({ method: 'GET', url: '/v1/plans?colour=red', headers: merchant.headers }),
      ['query.colour'],
    );
    expectInvalidFields(
      await app.inject({ method: 'GET', url: '/v1/plans?limit=1&limit=2', headers: merchant.headers }),
      ['query.limit'],
    );
  });

  apiTest('a URL the router refuses is a problem too', async ({ app, merchant }) => {
    expectProblem(
      await app.inject({ method: 'GET', url: `/v1/plans/${'a'.repeat(300)}`, headers: merchant.headers }),
      404,
      'not-found',
    );
    expectProblem(
      await app.inject({ method: 'GET', url: '/v1/plans/%E0%A4%A', headers: merchant.headers }),
      400,
      'malformed-request',
    );
  });

  apiTest(
    'an unknown route, or a known path with another method, is a 404 problem',
    async ({ app, merchant }) => {
      expectProblem(
        await app.inject({ method: 'GET', url: '/v2/plans', headers: merchant.headers }),
        404,
        'not-found',
      );
      expectProblem(
        await app.inject({ method: 'PUT', url: '/v1/plans', headers: merchant.headers }),
        404,
        'not-found',
      );
    },
  );
});

describe('problemFor', () => {
  it('maps a domain validation error to a 400 with its issues', () => {
    expect(problemFor(new InvalidTimeZoneError('Mars/Base', 'time_zone'))).toMatchObject({
      status: 400,
      type: 'https://rebill.dev/problems/validation',
      errors: [{ field: 'time_zone', message: '"Mars/Base" is not a valid IANA time zone' }],
    });
  });

  it('maps an illegal transition to a 409', () => {
    const error = new IllegalTransitionError('subscription', 'CANCELED', 'RESUME', 'final state');

    expect(problemFor(error)).toMatchObject({
      status: 409,
      type: 'https://rebill.dev/problems/illegal-transition',
    });
  });

  it('leaves anything else to the 500 handler', () => {
    expect(problemFor(new Error('boom'))).toBeNull();
    expect(problemFor({ statusCode: 503 })).toBeNull();
  });
});
