// SIM-ONLY scenario control bodies (README "Scenarios"), validated with zod; types come from here.
import { z } from 'zod';
import { AUTHORIZE_SCENARIOS } from '../authorize/classify.js';

const reason = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case reason code such as PERMANENT');
const singleResult = z.enum(['APPROVED', 'DECLINED', 'STEP_UP_REQUIRED']);

export const outcomeSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('APPROVED') }),
  z.object({ result: z.literal('DECLINED'), reason: reason.optional() }),
  z.object({ result: z.literal('STEP_UP_REQUIRED') }),
  z.object({
    result: z.literal('MIXED'),
    payment: singleResult,
    token: singleResult,
    payment_reason: reason.optional(),
    token_reason: reason.optional(),
  }),
  z.object({
    result: z.literal('HTTP_ERROR'),
    status: z.union([z.literal(401), z.literal(403), z.literal(429), z.literal(500), z.literal(503)]),
  }),
  z.object({ result: z.literal('TIMEOUT') }),
  z.object({ result: z.literal('DROP') }),
  // Executes, then destroys the socket unanswered: an unknown outcome a read or replay resolves.
  z.object({ result: z.literal('LOSE_RESPONSE') }),
]);

/** The calls a rule can apply to; a rule without `operation` applies to authorize only. */
export const OPERATIONS = ['authorize', 'capture', 'refund', 'void', 'read'] as const;
export type Operation = (typeof OPERATIONS)[number];

const ms = z.number().int().min(0).max(120_000);
export const latencySchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('none') }),
    z.object({ type: z.literal('fixed'), ms }),
    z.object({ type: z.literal('uniform'), min_ms: ms, max_ms: ms }),
    z.object({ type: z.literal('normal'), min_ms: ms, max_ms: ms }),
  ])
  .refine((l) => !('min_ms' in l) || l.min_ms <= l.max_ms, { path: ['max_ms'], message: 'must be ≥ min_ms' });

export const matchSchema = z
  .object({
    account_id: z.string().min(1).optional(),
    operation: z.enum(OPERATIONS).optional(),
    payment_transaction_id: z.string().min(1).optional(),
    scenario: z.enum(AUTHORIZE_SCENARIOS).optional(),
    customer_token: z.string().min(1).optional(),
    customer_token_reference: z.string().min(1).optional(),
    payment_transaction_reference: z.string().min(1).optional(),
    payment_request_reference: z.string().min(1).optional(),
    amount: z.number().int().min(1).optional(),
    amount_ends_with: z
      .string()
      .regex(/^\d{1,10}$/, 'must be digits, e.g. "01"')
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/)
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .strict();

export const timesSchema = z.union([z.literal('once'), z.literal('always'), z.number().int().min(1)]);

export const ruleSchema = z
  .object({
    match: matchSchema.default({}),
    outcome: outcomeSchema.optional(),
    latency: latencySchema.optional(),
    times: timesSchema.default('always'),
  })
  .refine((r) => r.outcome !== undefined || r.latency !== undefined, {
    path: ['outcome'],
    message: 'is required unless the rule sets latency',
  })
  .refine(
    (r) =>
      (r.match.operation ?? 'authorize') === 'authorize' || r.outcome === undefined || isFault(r.outcome),
    {
      path: ['outcome', 'result'],
      message: 'must be HTTP_ERROR, TIMEOUT, DROP or LOSE_RESPONSE for a capture, refund, void or read',
    },
  );

export const scenariosBodySchema = z.object({
  rules: z.array(ruleSchema).max(1000).default([]),
  latency: latencySchema.optional(),
});

export type Outcome = z.output<typeof outcomeSchema>;
export type ResultOutcome = Extract<
  Outcome,
  { result: 'APPROVED' | 'DECLINED' | 'STEP_UP_REQUIRED' | 'MIXED' }
>;
export type FaultOutcome = Extract<Outcome, { result: 'HTTP_ERROR' | 'TIMEOUT' | 'DROP' | 'LOSE_RESPONSE' }>;
/** Faults that fire before the call executes. */
export type EarlyFault = Exclude<FaultOutcome, { result: 'LOSE_RESPONSE' }>;

export function isFault(outcome: Outcome): outcome is FaultOutcome {
  return (
    outcome.result === 'HTTP_ERROR' ||
    outcome.result === 'TIMEOUT' ||
    outcome.result === 'DROP' ||
    outcome.result === 'LOSE_RESPONSE'
  );
}
export type Latency = z.output<typeof latencySchema>;
export type RuleMatch = z.output<typeof matchSchema>;
export type RuleInput = z.output<typeof ruleSchema>;

export function isEarlyFault(outcome: Outcome): outcome is EarlyFault {
  return isFault(outcome) && outcome.result !== 'LOSE_RESPONSE';
}
