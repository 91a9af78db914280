// For tests whose Klarna never answers 429 (fakes, or a sandbox without a 429 rule): an account
// throttle that never holds a call back. The tests of the throttle itself use the Redis one.
import type { AccountThrottle } from '../renewal/account-throttle.js';

export const noThrottle: AccountThrottle = {
  throttledUntil: () => Promise.resolve(null),
  throttle: () => Promise.resolve(),
};
