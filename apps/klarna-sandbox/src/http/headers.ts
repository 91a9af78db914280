// Tolerant reading of request headers (CONTRACT.md §2.1): the v2 name first, then the older
// `X-` spelling (e.g. X-Klarna-Customer-Token, X-Klarna-Integration-Metadata).
import type { IncomingHttpHeaders } from 'node:http';

/** `name` must be lower case. Repeated headers count as absent-safe: the first value wins. */
export function readHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name] ?? headers[`x-${name}`];
  if (Array.isArray(value)) return value[0];
  return value;
}
