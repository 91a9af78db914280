// The authorize call's Klarna headers (CONTRACT.md §2.1), read tolerantly and checked for size.
import type { IncomingHttpHeaders } from 'node:http';
import type { ValidationError } from '../http/error-format.js';
import { readHeader } from '../http/headers.js';

export interface AuthorizeHeaders {
  customerToken: string | undefined;
  sessionToken: string | undefined;
  idempotencyKey: string | undefined;
}

function checkLength(errors: ValidationError[], name: string, value: string | undefined, max: number): void {
  if (value !== undefined && (value.length === 0 || value.length > max)) {
    errors.push({ parameter: name, reason: `must be 1-${max} characters` });
  }
}

export function readAuthorizeHeaders(headers: IncomingHttpHeaders): {
  value: AuthorizeHeaders;
  errors: ValidationError[];
} {
  const customerToken = readHeader(headers, 'klarna-customer-token');
  // Klarna-Payment-Token is the deprecated name of the session token (§2.1).
  const sessionToken =
    readHeader(headers, 'klarna-network-session-token') ?? readHeader(headers, 'klarna-payment-token');
  const errors: ValidationError[] = [];
  checkLength(errors, 'Klarna-Customer-Token', customerToken, 1024);
  checkLength(errors, 'Klarna-Network-Session-Token', sessionToken, 8192);
  checkLength(
    errors,
    'Klarna-Interoperability-Token',
    readHeader(headers, 'klarna-interoperability-token'),
    8192,
  );
  const metadata = readHeader(headers, 'klarna-integration-metadata');
  if (metadata !== undefined && !isJsonObject(metadata)) {
    errors.push({ parameter: 'Klarna-Integration-Metadata', reason: 'must be a JSON object' });
  }
  return {
    value: { customerToken, sessionToken, idempotencyKey: readHeader(headers, 'klarna-idempotency-key') },
    errors,
  };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
