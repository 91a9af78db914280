// Schemas every route shares: ids, text fields, timestamps, list envelopes and the problem shape.
import { z } from 'zod';

/** Resource ids are UUIDs; a malformed one in a path is answered 404 (no such resource). */
export const idParams = z.strictObject({ id: z.uuid() });

/** Free text the database can store: no control characters (PostgreSQL refuses NUL outright). */
export function text(max: number) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(/^[^\p{Cc}]*$/u, { error: 'must not contain control characters' });
}

/** RFC 3339 with milliseconds, UTC (what `Date.prototype.toISOString` writes). */
export const timestamp = z.iso.datetime();

export const amount = z.int();

export const listQueryShape = {
  limit: z.coerce
    .number({ error: 'must be an integer from 1 to 100' })
    .int({ error: 'must be an integer from 1 to 100' })
    .min(1, { error: 'must be at least 1' })
    .max(100, { error: 'must be at most 100' })
    .default(20),
  cursor: z.string().max(512, { error: 'is not a cursor this API issued' }).optional(),
};

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), next_cursor: z.string().nullable() });
}

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/** RFC 9457 problem details; extension members (e.g. `subscription_id`) pass through. */
export const problemSchema = z.looseObject({
  type: z.url(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional(),
});

/** Problem responses for the statuses a route can answer with, for its response map. */
export function problemResponses<const S extends readonly number[]>(...statuses: S) {
  const response = {
    description: 'Problem details (RFC 9457)',
    content: { 'application/problem+json': { schema: problemSchema } },
  };
  return Object.fromEntries(statuses.map((status) => [status, response])) as {
    [K in S[number]]: typeof response;
  };
}

/** Idempotency-Key: optional on every POST; 1..255 printable ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1, { error: 'must be 1 to 255 printable ASCII characters' })
  .max(255, { error: 'must be 1 to 255 printable ASCII characters' })
  .regex(/^[\x20-\x7e]+$/, { error: 'must be 1 to 255 printable ASCII characters' });

/** Documents the header on POST routes (the idempotency plugin enforces it before validation). */
export const idempotentHeaders = z.object({ 'idempotency-key': idempotencyKeySchema.optional() });

/** POST routes without a body accept none (Fastify reads it as null), or an empty object. */
export const emptyBody = z.strictObject({}).nullish();
