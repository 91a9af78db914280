// Opaque list cursors: base64url JSON of the last row's (createdAt, id) and a fingerprint of the
// list and filters it came from. A cursor that does not decode, or that belongs to another list
// or other filters, is refused (400 naming `query.cursor`) instead of silently paging wrong.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Keyset, Page, PageQuery } from '../store/pagination.js';

const VERSION = 1;

const cursorSchema = z.strictObject({
  v: z.literal(VERSION),
  t: z.int().min(0).max(8_640_000_000_000_000),
  i: z.uuid(),
  s: z.string().length(16),
});

/** Identifies one list with its filters: `listScope('subscriptions', { status, customer_id })`. */
export function listScope(list: string, filters: Readonly<Record<string, string | undefined>> = {}): string {
  const parts = Object.keys(filters)
    .sort()
    .map((key) => `${key}=${filters[key] ?? ''}`);
  return createHash('sha256')
    .update([list, ...parts].join('\n'))
    .digest('hex')
    .slice(0, 16);
}

export function encodeCursor(keyset: Keyset, scope: string): string {
  const payload = { v: VERSION, t: keyset.createdAt.getTime(), i: keyset.id, s: scope };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): Keyset | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success || parsed.data.s !== scope) return null;
  return { createdAt: new Date(parsed.data.t), id: parsed.data.i };
}

export type PageRequestResult = { kind: 'ok'; page: PageQuery } | { kind: 'invalid_cursor' };

export function pageRequest(
  query: { limit: number; cursor?: string | undefined },
  scope: string,
): PageRequestResult {
  if (query.cursor === undefined) return { kind: 'ok', page: { limit: query.limit, after: null } };
  const after = decodeCursor(query.cursor, scope);
  return after === null ? { kind: 'invalid_cursor' } : { kind: 'ok', page: { limit: query.limit, after } };
}

/** The `list` envelope of a page. */
export function listBody<T, V>(
  page: Page<T & Keyset>,
  scope: string,
  view: (item: T & Keyset) => V,
): { object: 'list'; data: V[]; next_cursor: string | null } {
  return {
    object: 'list',
    data: page.items.map(view),
    next_cursor: page.next === null ? null : encodeCursor(page.next, scope),
  };
}
