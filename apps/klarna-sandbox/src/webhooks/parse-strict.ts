// parseOr400 for strict schemas of the /__sim controls: an unknown field is named in the 400
// (a misspelt fault or filter must not be silently ignored).
import { z } from 'zod';
import { parameterName, validationFailed, zodValidationErrors } from '../http/validation.js';

export function parseStrictOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationFailed(
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({
            parameter: parameterName([...issue.path, key]),
            reason: 'is not a known field',
          }))
        : zodValidationErrors(new z.ZodError([issue])),
    ),
  );
}
