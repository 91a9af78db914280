// Property: whatever a caller sends to authorize, the answer is a contract answer (200 or a 4xx in
// the error format), never a 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodies, mintToken, stepUpConfig } from '../testing/bodies.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import type { ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
let token: string;
beforeAll(async () => {
  sb = await startSandbox({ logLevel: 'silent' });
  token = await mintToken(sb, ['payment:customer_present', 'payment:customer_not_present']);
});
afterAll(async () => {
  await sb.close();
});

// Valid building blocks, each of which may be replaced by junk.
const junk = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string()),
  fc.object(),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, junk), { nil: undefined });
const body = fc.record(
  {
    currency: fc.oneof(fc.constantFrom('EUR', 'sek', 'JPY', 'EURO'), junk),
    request_payment_transaction: maybe(
      fc.record({
        amount: fc.oneof(fc.integer({ min: -5, max: 3_000_000_000 }), junk),
        payment_transaction_reference: fc.string(),
      }),
    ),
    request_customer_token: maybe(
      fc.record({
        scopes: fc.array(fc.constantFrom('payment:customer_present', 'payment:customer_not_present', 'x')),
      }),
    ),
    step_up_config: maybe(
      fc.constantFrom(
        stepUpConfig(),
        stepUpConfig({ method: 'SDK', return_url: undefined }),
        stepUpConfig({ interaction_expiry: { duration: 'PT1H' } }),
        stepUpConfig({ interaction_expiry: { timestamp: 'yesterday' } }),
      ),
    ),
    supplementary_purchase_data: maybe(
      fc.constantFrom(
        { subscriptions: bodies.subscriptions },
        { ondemand_service: bodies.ondemandService },
        { subscriptions: bodies.subscriptions, ondemand_service: bodies.ondemandService },
        { line_items: [{ name: 'x', quantity: 1, unit_price: 1, total_amount: 1 }] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const headers = fc.record(
  {
    'Klarna-Customer-Token': fc.oneof(fc.constant('TOKEN'), fc.string({ minLength: 1, maxLength: 20 })),
    'Klarna-Network-Session-Token': fc.string({ minLength: 1, maxLength: 20 }),
    'Klarna-Integration-Metadata': fc.oneof(
      fc.constant('{"integrator":{}}'),
      fc.constant('[]'),
      fc.constant('{'),
    ),
  },
  { requiredKeys: [] },
);
const printable = (h: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(h)
      .map(([k, v]) => [k, v === 'TOKEN' ? token : v.replace(/[^\x21-\x7e]/g, 'x')] as const)
      .filter(([, v]) => v.length > 0),
  );

describe('authorize fuzz', () => {
  it('property: any body and header mix gets 200 or a 4xx in the error format, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: fc.jsonValue() }),
        headers,
        async (b, h) => {
          const res = await sb.authorize<ErrorResponse>(b, printable(h));
          expect([200, 400, 409]).toContain(res.status);
          if (res.status !== 200) {
            expect(res.body.error_code).toMatch(/^[A-Z_]+$/);
            expect(res.body.error_id).toBeTruthy();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a malformed percent-escape in the path is a 400 in the error format', async () => {
    const res = await sb.request<ErrorResponse>('GET', '/v2/accounts/%E0%A4%A/payment/requests/x');
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe('INPUT_ERROR');
    expect(res.headers.get('klarna-correlation-id')).toBeTruthy();
  });
});
