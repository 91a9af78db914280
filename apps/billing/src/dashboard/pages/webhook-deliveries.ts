// GET /dashboard/webhook-deliveries: merchants' webhook deliveries whose attempts ran out, with
// "re-send" for admins.
import type { FastifyInstance } from 'fastify';
import { failedWebhookDeliveries } from '../../store/dashboard/failed-webhook-deliveries.js';
import type { DashboardDeps } from '../deps.js';
import { instant, shortId } from '../format.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import { dashboardPage, INVALID_PAGE, pageLinks } from '../paging.js';
import { sessionOf } from '../session.js';
import { sendPage } from './send-page.js';

const LIMIT = 100;

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/webhook-deliveries', async (request, reply) => {
    const session = sessionOf(request);
    const admin = session.operator.role === 'ADMIN';
    const paging = dashboardPage(request, 'webhook-deliveries', LIMIT);
    if (paging.kind === 'invalid') {
      return sendPage(request, reply, deps.options, 'Failed merchant webhook deliveries', INVALID_PAGE, 400);
    }
    const { items: deliveries, next } = await failedWebhookDeliveries(deps.db, {}, paging.page);
    const body = html`<table>
        <thead>
          <tr>
            <th>Delivery</th>
            <th>Merchant</th>
            <th>Event</th>
            <th>Attempts</th>
            <th>Last answer</th>
            <th>Last attempt</th>
            ${admin ? html`<th></th>` : null}
          </tr>
        </thead>
        <tbody>
          ${deliveries.map(
            (d) =>
              html`<tr>
                <td><code>${shortId(d.id)}</code></td>
                <td><code>${shortId(d.merchantId)}</code></td>
                <td>${d.eventType}<br /><code>${d.eventId}</code></td>
                <td>${d.attemptCount}</td>
                <td>${d.lastStatus ?? ''} ${d.lastError ?? ''}</td>
                <td>${instant(d.lastAttemptAt)}</td>
                ${
                  admin
                    ? html`<td>
                        <form
                          class="inline"
                          method="post"
                          action="/dashboard/webhook-deliveries/${d.id}/resend"
                        >
                          ${csrfField(session)}<button>Re-send</button>
                        </form>
                      </td>`
                    : null
                }
              </tr>`,
          )}
        </tbody>
      </table>
      ${deliveries.length === 0 ? html`<p class="muted">No failed deliveries.</p>` : null}
      ${pageLinks('webhook-deliveries', paging.first, next)}`;
    return sendPage(request, reply, deps.options, 'Failed merchant webhook deliveries', body);
  });
}
