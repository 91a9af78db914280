// HTML form bodies (application/x-www-form-urlencoded) as a flat record of strings, parsed only
// inside the dashboard's scope, and the field readers its routes use.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type FormBody = Readonly<Record<string, string>>;

const FORM_LIMIT_BYTES = 16 * 1024;

export function addFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => {
      const fields: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [name, value] of new URLSearchParams(body as string)) fields[name] = value;
      done(null, fields);
    },
  );
}

/** The form's fields; a request without a form body has none. */
export function formOf(request: FastifyRequest): FormBody {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as FormBody) : {};
}

/** A trimmed field, or undefined when absent or blank. */
export function field(form: FormBody, name: string): string | undefined {
  const value = form[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
