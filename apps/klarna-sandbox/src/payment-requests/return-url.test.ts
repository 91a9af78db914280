import { describe, expect, it } from 'vitest';
import { substituteReturnUrl } from './return-url.js';

const values = {
  id: 'krn:payment:eu1:request:abc',
  state: 'COMPLETED',
  reference: 'signup 42',
  sessionToken: 'krn:payment:eu1:klarna-network-session-token:xyz',
};

describe('return_url placeholders (§8.3)', () => {
  it.each([
    ['https://shop.example/return', 'https://shop.example/return'],
    [
      'https://shop.example/r?id={klarna.payment_request.id}&s={klarna.payment_request.state}',
      'https://shop.example/r?id=krn%3Apayment%3Aeu1%3Arequest%3Aabc&s=COMPLETED',
    ],
    [
      'https://shop.example/r/{klarna.payment_request.payment_request_reference}',
      'https://shop.example/r/signup%2042',
    ],
    [
      'https://shop.example/r?t={klarna.payment_request.klarna_network_session_token}',
      'https://shop.example/r?t=krn%3Apayment%3Aeu1%3Aklarna-network-session-token%3Axyz',
    ],
    ['https://shop.example/r/%7Bklarna.payment_request.state%7D', 'https://shop.example/r/COMPLETED'],
    [
      'https://shop.example/r?x={klarna.payment_request.unknown}',
      'https://shop.example/r?x={klarna.payment_request.unknown}',
    ],
  ])('%s', (template, expected) => expect(substituteReturnUrl(template, values)).toBe(expected));

  it('substitutes empty strings for values the request does not have', () => {
    expect(
      substituteReturnUrl(
        'https://x/?r={klarna.payment_request.payment_request_reference}&t={klarna.payment_request.klarna_network_session_token}',
        {
          ...values,
          reference: undefined,
          sessionToken: undefined,
        },
      ),
    ).toBe('https://x/?r=&t=');
  });
});
