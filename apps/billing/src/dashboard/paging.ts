// Older pages of a dashboard list, newest first: `?after=<cursor>` (the API's opaque keyset cursor,
// scoped to the list, so one list's cursor never pages another) and the link under the table to
// the page after the last row shown.
import type { FastifyRequest } from 'fastify';
import { decodeCursor, encodeCursor, listScope } from '../api/pagination.js';
import type { Keyset, PageQuery } from '../store/pagination.js';
import { html, type Html } from './html.js';

/** A dashboard list's cursor scope, apart from the API's lists. */
const scopeOf = (list: string): string => listScope(`dashboard:${list}`);

export type DashboardPage =
  | { readonly kind: 'ok'; readonly page: PageQuery; readonly first: boolean }
  /** `after` is not a cursor of this list (edited, or from another list): a 400 naming it. */
  | { readonly kind: 'invalid' };

export function dashboardPage(request: FastifyRequest, list: string, limit: number): DashboardPage {
  const { after } = request.query as { after?: unknown };
  if (after === undefined || after === '') return { kind: 'ok', page: { limit, after: null }, first: true };
  const keyset = typeof after === 'string' ? decodeCursor(after, scopeOf(list)) : null;
  return keyset === null ? { kind: 'invalid' } : { kind: 'ok', page: { limit, after: keyset }, first: false };
}

/** "Newest" and "Older" links under the list page `/dashboard/<list>`; null when both would lead nowhere. */
export function pageLinks(list: string, first: boolean, next: Keyset | null): Html | null {
  if (first && next === null) return null;
  const path = `/dashboard/${list}`;
  const older =
    next === null ? null : html`<a href="${path}?after=${encodeCursor(next, scopeOf(list))}">Older →</a>`;
  return html`<p class="paging">${first ? null : html`<a href="${path}">← Newest</a> `}${older}</p>`;
}

export const INVALID_PAGE = html`<p class="flash error">
  The <code>after</code> parameter is not a position in this list. <a href="?">Start from the newest</a>.
</p>`;
