// Klarna's error body (CONTRACT.md §12.1) in any of its three documented variants: the parameters
// named in `validation_errors[]` (current) or `errors[]` (network-distribution page), the code and
// the id. Messages are deliberately not read: callers branch on status and code only, and a
// message could echo input we must not log.
import { z } from 'zod';

export interface KlarnaErrorBody {
  errorCode: string | null;
  errorId: string | null;
  parameters: string[];
}

const text = z.string().min(1).optional().catch(undefined);
const namedParameter = z.object({ parameter: z.string().min(1) });
const parameterList = z.array(z.unknown()).optional().catch(undefined);

const errorBodySchema = z.object({
  error_code: text,
  error_id: text,
  validation_errors: parameterList,
  errors: parameterList,
});

function parametersOf(entries: unknown[] | undefined): string[] {
  if (entries === undefined) return [];
  return entries.flatMap((entry) => {
    const parsed = namedParameter.safeParse(entry);
    return parsed.success ? [parsed.data.parameter] : [];
  });
}

/** Reads what can be read; a missing or foreign body (e.g. a 403 from DDoS protection) gives nulls. */
export function parseErrorBody(body: unknown): KlarnaErrorBody {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { errorCode: null, errorId: null, parameters: [] };
  const { error_code, error_id, validation_errors, errors } = parsed.data;
  const parameters = [...parametersOf(validation_errors), ...parametersOf(errors)];
  return { errorCode: error_code ?? null, errorId: error_id ?? null, parameters: [...new Set(parameters)] };
}
