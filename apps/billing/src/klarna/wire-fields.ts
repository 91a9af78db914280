// Tolerant readers for single fields of Klarna's answers: a field that is missing, null or of an
// unexpected type reads as "absent" instead of failing the whole answer. Only the fields an
// operation cannot do without are checked strictly, by that operation.
import { z } from 'zod';

/** A non-empty string, else undefined. */
export const optionalText = z.string().min(1).optional().catch(undefined);

/** Integer minor units; a numeric string is accepted too (CONTRACT.md §5 CONFLICT). */
export const optionalAmount = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d{1,15}$/)
      .transform(Number),
  ])
  .optional()
  .catch(undefined);

/** An RFC 3339 instant as a Date, else undefined. */
export const optionalInstant = z
  .string()
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'not an instant' });
      return z.NEVER;
    }
    return new Date(ms);
  })
  .optional()
  .catch(undefined);

/** The string members of an array; anything else reads as []. */
export const stringList = z
  .array(z.unknown())
  .transform((items) => items.filter((item): item is string => typeof item === 'string' && item !== ''))
  .optional()
  .catch(undefined);

/** A plain JSON object (not an array), else undefined. */
export const optionalRecord = z.record(z.string(), z.unknown()).optional().catch(undefined);

/**
 * A money amount Rebill acts on (§18): integer minor units ≥ 0, or a numeric string. Unlike
 * `optionalAmount` a wrong type fails the answer, so a garbled total is never read as "absent".
 */
export const minorUnits = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
]);

/** `minorUnits` that may be missing or null (then undefined). */
export const absentOrMinorUnits = minorUnits.nullish().transform((value) => value ?? undefined);
