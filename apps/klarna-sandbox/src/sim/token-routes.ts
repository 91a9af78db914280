// SIM-ONLY customer token controls: revoke (CONTRACT.md §11.2), plus mint and read for test setup.
import { z } from 'zod';
import { SandboxHttpError } from '../contracts.js';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';
import { PARTNER_ACCOUNT_PATTERN } from '../ids.js';
import { customerTokenSimView, SCOPES } from '../tokens/customer-tokens.js';

const tokenParams = z.object({ customer_token: z.string().min(1).max(1024) });
const listQuery = z.strictObject({ account_id: z.string().regex(PARTNER_ACCOUNT_PATTERN).optional() });
const mintBody = z.object({
  account_id: z.string().regex(PARTNER_ACCOUNT_PATTERN, 'must be a partner account KRN'),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .refine((s) => new Set(s).size === s.length, 'must not repeat a scope'),
  customer_token_reference: z.string().min(1).max(255).optional(),
});

export const registerSimTokenRoutes: RegisterRoutes = (app, { state, clock }) => {
  const tokens = state.customerTokens;
  const known = (token: string) => {
    const record = tokens.get(token);
    if (!record) throw new SandboxHttpError(404, 'NOT_FOUND', 'Customer token not found');
    return record;
  };

  app.post('/__sim/customer-tokens', async (request, reply) => {
    const body = parseOr400(mintBody, request.body);
    const record = tokens.issue({
      accountId: body.account_id,
      scopes: body.scopes,
      reference: body.customer_token_reference,
      now: clock.now(),
    });
    return reply.code(201).send(customerTokenSimView(record));
  });

  // Every token issued (e.g. for a test that scans its whole run for leaked tokens).
  app.get('/__sim/customer-tokens', (request) => {
    const { account_id: accountId } = parseOr400(listQuery, request.query);
    const listed = tokens.all().filter((t) => accountId === undefined || t.accountId === accountId);
    return { count: listed.length, customer_tokens: listed.map(customerTokenSimView) };
  });

  app.get('/__sim/customer-tokens/:customer_token', (request) => {
    const { customer_token: token } = parseOr400(tokenParams, request.params);
    return customerTokenSimView(known(token));
  });

  app.post('/__sim/customer-tokens/:customer_token/revoke', (request) => {
    const { customer_token: token } = parseOr400(tokenParams, request.params);
    const record = tokens.revoke(token, clock.now());
    if (!record) throw new SandboxHttpError(404, 'NOT_FOUND', 'Customer token not found');
    return customerTokenSimView(record);
  });
};
