import { describe, expect, it } from 'vitest';
import { klarnaIdempotencyKey } from './idempotency-keys.js';
import { uuidv5 } from './uuidv5.js';

const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NS = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('uuidv5', () => {
  it.each([
    ['www.example.com', DNS, '2ed6657d-e927-568b-95e1-2665a8aea6a2'], // RFC 9562 appendix A.4
    ['python.org', DNS, '886313e1-3b8a-5372-9b90-0c9aee199e5d'], // Python's uuid docs
    ['http://python.org/', URL_NS, '4c565f0d-3f5a-5890-b41b-20cf47701c5e'],
  ])('%s in %s', (name, namespace, expected) => {
    expect(uuidv5(name, namespace)).toBe(expected);
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidv5('x', 'not-a-uuid')).toThrow(TypeError);
  });
});

describe('klarnaIdempotencyKey', () => {
  it('is stable per row and call, and differs across rows and calls', () => {
    const row = '3f1c2d4e-0000-4000-8000-000000000001';
    expect(klarnaIdempotencyKey('charge-attempt', row)).toBe(klarnaIdempotencyKey('charge-attempt', row));
    expect(klarnaIdempotencyKey('charge-attempt', row)).not.toBe(
      klarnaIdempotencyKey('payment-request', row),
    );
    expect(klarnaIdempotencyKey('charge-attempt', row)).not.toBe(
      klarnaIdempotencyKey('charge-attempt', '3f1c2d4e-0000-4000-8000-000000000002'),
    );
    expect(klarnaIdempotencyKey('refund', row)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
