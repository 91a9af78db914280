// A plan version's dunning and catch-up policies as the API spells them (snake_case), validated
// by the domain's own parsers. Domain field names in its issues (`retryOffsetsHours.2`) are
// reported in the API's spelling (`dunning_policy.retry_offsets_hours[2]`).
import { z } from 'zod';
import {
  catchUpPolicySchema,
  DomainValidationError,
  FINAL_ACTIONS,
  parseDunningPolicy,
  type CatchUpPolicy,
  type DunningPolicy,
} from '../../domain/index.js';

const DUNNING_FIELDS = {
  retry_offsets_hours: 'retryOffsetsHours',
  max_attempts: 'maxAttempts',
  grace_period_days: 'gracePeriodDays',
  final_action: 'finalAction',
} as const;

const toSnake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `retryOffsetsHours.2` -> `['retry_offsets_hours', 2]`. */
function apiPath(domainField: string, root: string): (string | number)[] {
  return domainField
    .split('.')
    .filter((s) => s !== '' && s !== root)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : toSnake(s)));
}

export const dunningPolicyInput = z
  .strictObject({
    retry_offsets_hours: z
      .array(z.int())
      .optional()
      .describe(
        'Retry times in hours after the first failure of a period, strictly increasing (at most 20).',
      ),
    max_attempts: z
      .int()
      .optional()
      .describe('Attempts per period, the first included (default: offsets + 1).'),
    grace_period_days: z
      .int()
      .optional()
      .describe('Days of service after the first failure (0..365, default 7).'),
    final_action: z
      .enum(FINAL_ACTIONS)
      .optional()
      .describe('What happens when retries run out (default CANCEL).'),
  })
  .transform((input, ctx): DunningPolicy => {
    const domainInput = Object.fromEntries(
      Object.entries(DUNNING_FIELDS)
        .filter(([api]) => input[api as keyof typeof DUNNING_FIELDS] !== undefined)
        .map(([api, domain]) => [domain, input[api as keyof typeof DUNNING_FIELDS]]),
    );
    try {
      return parseDunningPolicy(domainInput);
    } catch (error) {
      if (!(error instanceof DomainValidationError)) throw error;
      for (const issue of error.issues) {
        ctx.addIssue({ code: 'custom', path: apiPath(issue.field, 'dunningPolicy'), message: issue.message });
      }
      return z.NEVER;
    }
  });

export const catchUpPolicyInput = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('CURRENT_ONLY') }),
    z.strictObject({ kind: z.literal('EACH_MISSED'), max_charges: z.int() }),
  ])
  .transform((input, ctx): CatchUpPolicy => {
    const parsed = catchUpPolicySchema.safeParse(
      input.kind === 'EACH_MISSED'
        ? { kind: input.kind, maxCharges: input.max_charges }
        : { kind: input.kind },
    );
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({
        code: 'custom',
        path: issue.path.map((s) => (typeof s === 'string' ? toSnake(s) : s)),
        message: issue.message,
      });
    }
    return z.NEVER;
  });

export const dunningPolicyOutput = z.object({
  retry_offsets_hours: z.array(z.int()),
  max_attempts: z.int(),
  grace_period_days: z.int(),
  final_action: z.enum(FINAL_ACTIONS),
});

export const catchUpPolicyOutput = z.union([
  z.object({ kind: z.literal('CURRENT_ONLY') }),
  z.object({ kind: z.literal('EACH_MISSED'), max_charges: z.int() }),
]);
