import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidEventTypePattern, KNOWN_EVENT_TYPES, patternMatches, subscribedTo } from './event-types.js';

describe('event type patterns', () => {
  it.each([
    ['payment.request.state-change.completed', true],
    ['payment.*', true],
    ['payment.request.*', true],
    ['payment.request.state-change.*', true],
    ['payment.request.state-change.completed.*', false],
    ['*', false],
    ['.*', false],
    ['payment', false],
    ['payment.req*', false],
    ['shipping.*', false],
    ['payment.request.state-change.COMPLETED', false],
  ])('%s valid: %s', (pattern, valid) => {
    expect(isValidEventTypePattern(pattern)).toBe(valid);
  });

  it.each([
    ['payment.*', 'payment.request.state-change.completed', true],
    ['payment.request.*', 'payment.request.updated', true],
    ['payment.request.state-change.*', 'payment.request.updated', false],
    ['payment.request.state-change.completed', 'payment.request.state-change.completed', true],
    ['payment.request.state-change.completed', 'payment.request.state-change.declined', false],
    ['payment.request.*', 'paymentxrequest.updated', false],
  ])('%s matches %s: %s', (pattern, type, matches) => {
    expect(patternMatches(pattern, type)).toBe(matches);
  });

  it('every dot-prefix wildcard of a known type is valid and matches that type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_EVENT_TYPES), fc.nat(), (type, n) => {
        const segments = type.split('.');
        const keep = 1 + (n % (segments.length - 1));
        const pattern = `${segments.slice(0, keep).join('.')}.*`;
        expect(isValidEventTypePattern(pattern)).toBe(true);
        expect(subscribedTo(['nothing.else', pattern], type)).toBe(true);
      }),
    );
  });

  it('an exact pattern matches only itself', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KNOWN_EVENT_TYPES),
        fc.constantFrom(...KNOWN_EVENT_TYPES),
        (pattern, type) => {
          expect(patternMatches(pattern, type)).toBe(pattern === type);
        },
      ),
    );
  });
});
