// Turns schema validation failures into field errors named by JSON path, the way callers wrote
// the input: body fields bare (`billing.amount`, `retry_offsets_hours[2]`), query parameters as
// `query.<name>`, headers by their lower-case name (`idempotency-key`). Pure.
import type { FieldError } from './problems.js';

/** One zod issue as fastify-type-provider-zod hands it over (`instancePath` like `/a/b/0`). */
export interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string | undefined;
  readonly params?: Record<string, unknown> | undefined;
}

export type ValidationContext = 'body' | 'querystring' | 'params' | 'headers';

export function fieldErrors(context: ValidationContext, issues: readonly SchemaIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const segments = issue.instancePath.split('/').filter((s) => s !== '');
    if (issue.keyword === 'unrecognized_keys') {
      const keys = Array.isArray(issue.params?.['keys']) ? (issue.params['keys'] as unknown[]) : [];
      return keys.map((key) => ({
        field: fieldName(context, [...segments, String(key)]),
        message: 'unknown field',
      }));
    }
    return [{ field: fieldName(context, segments), message: message(issue) }];
  });
}

/** `['dunning_policy', 'retry_offsets_hours', '2']` -> `dunning_policy.retry_offsets_hours[2]`. */
export function jsonPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((path, segment) => {
    const text = String(segment);
    if (/^\d+$/.test(text)) return `${path}[${text}]`;
    return path === '' ? text : `${path}.${text}`;
  }, '');
}

function fieldName(context: ValidationContext, segments: readonly string[]): string {
  const path = jsonPath(segments);
  switch (context) {
    case 'body':
      return path === '' ? 'body' : path;
    case 'querystring':
      return path === '' ? 'query' : `query.${path}`;
    case 'params':
      return path === '' ? 'path' : `path.${path}`;
    case 'headers':
      return path === '' ? 'headers' : path.toLowerCase();
  }
}

function message(issue: SchemaIssue): string {
  const text = issue.message ?? 'is not valid';
  if (issue.keyword === 'invalid_type' && /received undefined$/.test(text)) return 'is required';
  return text;
}
