import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash } from './request-hash.js';
import { fieldErrors, jsonPath } from './validation-errors.js';

describe('jsonPath', () => {
  it.each([
    [[], ''],
    [['amount'], 'amount'],
    [['billing', 'amount'], 'billing.amount'],
    [['dunning_policy', 'retry_offsets_hours', '2'], 'dunning_policy.retry_offsets_hours[2]'],
    [['lines', 0, 'amount'], 'lines[0].amount'],
  ] as const)('%j -> %s', (segments, path) => {
    expect(jsonPath(segments)).toBe(path);
  });
});

describe('fieldErrors', () => {
  it('names body fields bare, query parameters under query., headers by name', () => {
    const issue = { keyword: 'too_small', instancePath: '/limit', message: 'must be at least 1' };

    expect(fieldErrors('body', [issue])).toEqual([{ field: 'limit', message: 'must be at least 1' }]);
    expect(fieldErrors('querystring', [issue])).toEqual([
      { field: 'query.limit', message: 'must be at least 1' },
    ]);
    expect(fieldErrors('headers', [{ ...issue, instancePath: '/Idempotency-Key' }])).toEqual([
      { field: 'idempotency-key', message: 'must be at least 1' },
    ]);
  });

  it('names each unknown key, and says "is required" for a missing one', () => {
    expect(
      fieldErrors('body', [
        { keyword: 'unrecognized_keys', instancePath: '/dunning_policy', params: { keys: ['a', 'b'] } },
        {
          keyword: 'invalid_type',
          instancePath: '/code',
          message: 'Invalid input: expected string, received undefined',
        },
        {
          keyword: 'invalid_type',
          instancePath: '',
          message: 'Invalid input: expected object, received array',
        },
      ]),
    ).toEqual([
      { field: 'dunning_policy.a', message: 'unknown field' },
      { field: 'dunning_policy.b', message: 'unknown field' },
      { field: 'code', message: 'is required' },
      { field: 'body', message: 'Invalid input: expected object, received array' },
    ]);
  });
});

describe('requestHash', () => {
  it('ignores key order at every depth but not array order, values, method or path', () => {
    const body = { b: 1, a: { y: [1, 2], x: null } };
    const same = { a: { x: null, y: [1, 2] }, b: 1 };

    expect(canonicalJson(body)).toBe('{"a":{"x":null,"y":[1,2]},"b":1}');
    expect(requestHash('POST', '/v1/plans', body)).toBe(requestHash('post', '/v1/plans', same));
    expect(requestHash('POST', '/v1/plans', body)).not.toBe(
      requestHash('POST', '/v1/plans', { ...body, b: 2 }),
    );
    expect(requestHash('POST', '/v1/plans', { y: [2, 1] })).not.toBe(
      requestHash('POST', '/v1/plans', { y: [1, 2] }),
    );
    expect(requestHash('POST', '/v1/plans', body)).not.toBe(requestHash('POST', '/v1/customers', body));
    expect(requestHash('POST', '/v1/plans', undefined)).not.toBe(requestHash('POST', '/v1/plans', {}));
  });
});
