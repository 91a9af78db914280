// Public API of the pure billing domain: money, billing periods, catch-up, state machines,
// dunning and decline classification. Imports nothing but luxon, zod and these files.
export * from './billing-period.js';
export * from './catch-up.js';
export * from './charge-attempt-state.js';
export * from './clock.js';
export * from './decline-classification.js';
export * from './dunning-policy.js';
export * from './errors.js';
export * from './money.js';
export * from './money-operations.js';
export * from './next-action.js';
export * from './payment-request-state.js';
export * from './renewal.js';
export * from './signup.js';
export * from './subscription-state.js';
