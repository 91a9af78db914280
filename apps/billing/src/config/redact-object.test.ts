import { describe, expect, it } from 'vitest';
import { REDACTED, redactError, redactLogObject } from './redact-object.js';
import { isSecretName } from './secret-names.js';
import { Secret } from '../secrets/secret.js';

describe('isSecretName', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'customer_token',
    'customerToken',
    'CUSTOMER-TOKEN',
    'klarna-customer-token',
    'X-Klarna-Customer-Token',
    'klarna_network_session_token',
    'networkSessionToken',
    'Klarna-Payment-Token',
    'api_key',
    'X-API-KEY',
    'klarnaApiKey',
    'signing_key',
    'signingKey',
    'secret',
    'webhookSecret',
    'password',
    'cookie',
    'Set-Cookie',
    'VAULT_KEYS',
    'VAULT_FINGERPRINT_KEY',
  ])('%s is a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'customer_token_reference',
    'customerTokenId',
    'apiKeyPrefix',
    'idempotencyKey',
    'keyId',
    'token',
    'subscriptionId',
    'secretKind',
  ])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('redactLogObject', () => {
  it('returns a flat object without secret names as it is, without a copy', () => {
    const flat = { subscriptionId: 's1', attempt: 2, ok: true, none: null };
    expect(redactLogObject(flat)).toBe(flat);
  });

  it('redacts secret-named keys at any depth and in arrays', () => {
    const out = redactLogObject({ a: { b: [{ c: { d: { customerToken: 'x', keep: 1 } } }] }, secret: 'y' });
    expect(out).toEqual({ a: { b: [{ c: { d: { customerToken: REDACTED, keep: 1 } } }] }, secret: REDACTED });
  });

  it('keeps null and undefined under a secret name (absence is worth seeing)', () => {
    expect(redactLogObject({ customer_token: null, secret: undefined })).toEqual({
      customer_token: null,
      secret: undefined,
    });
  });

  it('never changes the caller object, even a frozen one', () => {
    const input = deepFreeze({ headers: { Authorization: 'Basic x' }, list: [{ password: 'p' }] });
    const before = structuredClone(input);
    const out = redactLogObject(input);
    expect(input).toEqual(before);
    expect(out).toEqual({ headers: { Authorization: REDACTED }, list: [{ password: REDACTED }] });
  });

  it('marks cycles and keeps shared references that are not cycles', () => {
    const shared = { id: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    expect(redactLogObject(cyclic)).toEqual({ shared: { id: 1 }, again: { id: 1 }, self: '[Circular]' });
  });

  it('cuts values deeper than its bound', () => {
    let deep: object = { leaf: 'visible?' };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(redactLogObject({ deep }))).toContain('[Truncated]');
    expect(JSON.stringify(redactLogObject({ deep }))).not.toContain('visible?');
  });

  it('prints bytes, Maps and Sets as markers', () => {
    expect(
      redactLogObject({
        buffer: Buffer.from('abcd'),
        bytes: new Uint8Array(3),
        raw: new ArrayBuffer(5),
        map: new Map([['k', 'v']]),
        set: new Set(['v']),
      }),
    ).toEqual({
      buffer: '[Buffer 4 bytes]',
      bytes: '[Uint8Array 3 bytes]',
      raw: '[ArrayBuffer 5 bytes]',
      map: '[Map 1 entries]',
      set: '[Set 1 entries]',
    });
  });

  it('prints a Secret as its marker, under any name', () => {
    const secret = Secret.wrap('klarna-network-session-token', 'raw');
    expect(redactLogObject({ token: secret, klarna_network_session_token: secret })).toEqual({
      token: '[redacted klarna-network-session-token]',
      klarna_network_session_token: '[redacted klarna-network-session-token]',
    });
  });

  it('follows toJSON, and walks what it returns', () => {
    const body = { toJSON: () => ({ customer_token: 'x', state: 'COMPLETED' }) };
    expect(redactLogObject({ body, at: new Date(0) })).toEqual({
      body: { customer_token: REDACTED, state: 'COMPLETED' },
      at: new Date(0),
    });
  });

  it('survives throwing getters and toJSON', () => {
    const getter = Object.defineProperty({ ok: 1 }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const toJSON = {
      toJSON() {
        throw new Error('boom');
      },
    };
    expect(redactLogObject({ getter, toJSON })).toEqual({
      getter: { ok: 1, bad: '[Unreadable]' },
      toJSON: '[Unserializable]',
    });
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"body":{"__proto__":{"secret":"x"}}}') as Record<string, unknown>;
    const out = redactLogObject(parsed);
    expect(JSON.stringify(out)).toBe('{"body":{"__proto__":{"secret":"[redacted]"}}}');
  });
});

describe('errors', () => {
  it('become type, message, stack, cause and own properties, redacted', () => {
    const cause = new TypeError('socket hang up');
    const err = Object.assign(new RangeError('authorize failed', { cause }), {
      status: 502,
      request: { headers: { 'Klarna-Customer-Token': 'x' } },
    });
    const out = redactLogObject({ err }) as { err: Record<string, unknown> };
    expect(out.err).toEqual({
      type: 'RangeError',
      message: 'authorize failed',
      stack: err.stack,
      cause: { type: 'TypeError', message: 'socket hang up', stack: cause.stack },
      status: 502,
      request: { headers: { 'Klarna-Customer-Token': REDACTED } },
    });
  });

  it('keep the errors of an AggregateError', () => {
    const out = redactError(new AggregateError([new Error('one')], 'all')) as Record<string, unknown>;
    expect(out).toMatchObject({
      type: 'AggregateError',
      message: 'all',
      aggregateErrors: [{ message: 'one' }],
    });
  });

  it('survive a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(redactError(a)).toMatchObject({ message: 'a', cause: { message: 'b', cause: '[Circular]' } });
  });

  it('pass anything else through the err serializer untouched (already redacted by then)', () => {
    const plain = { message: 'x', type: 'Error' };
    expect(redactError(plain)).toBe(plain);
  });
});

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
