// GET /dashboard/past-due: subscriptions in dunning with their attempt count, last decline and next
// retry, and (for admins) "retry now".
import type { FastifyInstance } from 'fastify';
import { pastDueSubscriptions } from '../../store/dashboard/past-due-subscriptions.js';
import type { DashboardDeps } from '../deps.js';
import { instant, money, shortId } from '../format.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import { dashboardPage, INVALID_PAGE, pageLinks } from '../paging.js';
import { sendPage } from './send-page.js';
import { sessionOf } from '../session.js';

const LIMIT = 100;

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/past-due', async (request, reply) => {
    const session = sessionOf(request);
    const paging = dashboardPage(request, 'past-due', LIMIT);
    if (paging.kind === 'invalid') {
      return sendPage(request, reply, deps.options, 'Past-due subscriptions', INVALID_PAGE, 400);
    }
    const { items, next } = await pastDueSubscriptions(deps.db, {}, paging.page);
    const admin = session.operator.role === 'ADMIN';
    const body = html`<p class="muted">
        ${items.length} shown, newest first${next === null ? '' : `; more are past due`}.
      </p>
      <table>
        <thead>
          <tr>
            <th>Subscription</th>
            <th>Past due since</th>
            <th>Invoice</th>
            <th>Attempts</th>
            <th>Last decline</th>
            <th>Next retry</th>
            <th>Grace ends</th>
            ${admin ? html`<th></th>` : null}
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (s) =>
              html`<tr>
                <td>
                  <a href="/dashboard/subscriptions?id=${s.id}"><code>${shortId(s.id)}</code></a
                  >${s.requiresNewToken ? html` <span class="muted">(needs a new token)</span>` : null}
                </td>
                <td>${instant(s.pastDueSince)}</td>
                <td>
                  ${s.openInvoice === null ? '' : html`${s.openInvoice.number} · ${money(s.openInvoice.amountMinor, s.openInvoice.currency)}`}
                </td>
                <td>${s.attemptCount}</td>
                <td>${s.lastAttempt?.declineReason ?? s.lastAttempt?.status ?? ''}</td>
                <td>${instant(s.nextRetryAt)}</td>
                <td>${instant(s.graceEndsAt)}</td>
                ${
                  admin
                    ? html`<td>
                        <form
                          class="inline"
                          method="post"
                          action="/dashboard/subscriptions/${s.id}/retry-now"
                        >
                          ${csrfField(session)}<button>Retry now</button>
                        </form>
                      </td>`
                    : null
                }
              </tr>`,
          )}
        </tbody>
      </table>
      ${pageLinks('past-due', paging.first, next)}`;
    return sendPage(request, reply, deps.options, 'Past-due subscriptions', body);
  });
}
