// Turns zod failures into the contract's 400 VALIDATION_ERROR naming each parameter by its path.
import type { z } from 'zod';
import { invalid, type SandboxError, type ValidationError } from '../errors.js';

/** `a.b[0].c` from a zod issue path, prefixed with where the value came from (if anything). */
export function parameterName(path: readonly PropertyKey[], prefix = ''): string {
  let name = prefix;
  for (const part of path) {
    if (typeof part === 'number') name += `[${part}]`;
    else name += name === '' ? String(part) : `.${String(part)}`;
  }
  return name === '' ? 'body' : name;
}

export function zodValidationErrors(error: z.ZodError, prefix = ''): ValidationError[] {
  return error.issues.map((issue) => ({
    parameter: parameterName(issue.path, prefix),
    reason:
      issue.code === 'invalid_type' && /received undefined$/.test(issue.message)
        ? 'is required'
        : issue.message,
  }));
}

export function validationFailed(errors: ValidationError[]): SandboxError {
  return invalid(errors);
}

/** Parses or throws a 400 naming the failing parameters. Schemas are built once, at import. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(zodValidationErrors(result.error, prefix));
  return result.data;
}
