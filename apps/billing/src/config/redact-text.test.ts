import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scrubSecretsFromLine } from './redact-text.js';

const ID = '0d4c8b9e-5e1f-4a00-9c3b-1f2e3d4c5b6a';

describe('scrubSecretsFromLine', () => {
  it.each([
    // Klarna token KRNs, in every encoding a log line may carry them.
    [`token krn:customer-token:eu1:${ID} stored`, 'token [redacted] stored'],
    [`krn:partner:us1:live:identity:customer-token:${ID}`, '[redacted]'],
    [`krn:payment:eu1:klarna-network-session-token:${ID}`, '[redacted]'],
    [`krn:payment:eu1:payment-token:${ID}`, '[redacted]'],
    [`KRN:CUSTOMER-TOKEN:EU1:${ID}`, '[redacted]'],
    [`cb?t=krn%3Acustomer-token%3Aeu1%3A${ID}&x=1`, 'cb?t=[redacted]&x=1'],
    [`cb?t=krn%253Acustomer-token%253Aeu1%253A${ID}`, 'cb?t=[redacted]'],
    [String.raw`{\"t\":\"krn\u003acustomer-token\u003aeu1\u003a${ID}\"}`, String.raw`{\"t\":\"[redacted]\"}`],
    // Secret-named values inside text.
    [String.raw`body {\"customer_token\":\"abc\"}`, String.raw`body {\"customer_token\":\"[redacted]\"}`],
    [String.raw`{\\\"secret\\\":\\\"abc\\\"}`, String.raw`{\\\"secret\\\":\\\"[redacted]\\\"}`],
    [String.raw`{\"api_key\": 12345}`, String.raw`{\"api_key\": [redacted]}`],
    ['Klarna-Customer-Token: abc\nAccept: */*', 'Klarna-Customer-Token: [redacted]\nAccept: */*'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
    ['authorization=Bearer abc.def', 'authorization=Bearer [redacted]'],
    ['?customer_token=abc&x=1', '?customer_token=[redacted]&x=1'],
    ['postgresql://rebill:hunter2@db/rebill', 'postgresql://rebill:[redacted]@db/rebill'],
  ])('%s', (line, expected) => {
    expect(scrubSecretsFromLine(line)).toBe(expected);
  });

  it.each([
    `krn:payment:eu1:transaction:${ID}`,
    `krn:payment:eu1:request:${ID}`,
    'krn:partner:global:account:test:ACQ123',
    `krn:partner:global:notification:signing-key:${ID}`,
    '{"customer_token_reference":"tok_sub_42","apiKeyPrefix":"rb_live"}',
    '{"customerToken":"[redacted]","token":"[redacted klarna-customer-token]"}',
    'postgresql://postgres@127.0.0.1:5432/rebill',
    'http://127.0.0.1:4010/v2/x',
    // Values outside a JSON string: replacing them would break the line.
    '{"customer_token":null,"secret":true,"api_key":5}',
    String.raw`{"customer_token\\":5}`,
  ])('leaves %s alone', (line) => {
    expect(scrubSecretsFromLine(line)).toBe(line);
  });

  it('keeps any JSON line valid JSON, and is idempotent', () => {
    const secretish = fc.constantFrom(
      'customer_token',
      'Authorization',
      'krn:customer-token:eu1:',
      'krn%3Apayment%3Aeu1%3Aklarna-network-session-token%3A',
      '"',
      '\\',
      ':',
      '=',
      ' Basic ',
      '://u:p@',
    );
    const text = fc
      .array(fc.oneof(secretish, fc.string({ maxLength: 6 })), { maxLength: 12 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.jsonValue())),
        text,
        (fields, msg) => {
          const line = JSON.stringify({ ...fields, msg, embedded: JSON.stringify(fields) }) + '\n';
          const once = scrubSecretsFromLine(line);
          expect(() => JSON.parse(once) as unknown).not.toThrow();
          expect(scrubSecretsFromLine(once)).toBe(once);
        },
      ),
      { numRuns: 500 },
    );
  });
});
