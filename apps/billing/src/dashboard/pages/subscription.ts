// GET /dashboard/subscriptions?id=<uuid>: a subscription's timeline, oldest first, and (for admins)
// its actions: retry now, cancel, and a refund of each charge.
import type { FastifyInstance } from 'fastify';
import { subscriptionTimeline, type TimelineEntry } from '../../store/dashboard/subscription-timeline.js';
import { isUuid } from '../../store/operator-lookups.js';
import type { DashboardDeps } from '../deps.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import type { DashboardSession } from '../session.js';
import { sessionOf } from '../session.js';
import { entryDetails, entryTime } from './timeline-entry.js';
import { sendPage } from './send-page.js';

const LIMIT = 500;

function actions(session: DashboardSession, id: string, entries: readonly TimelineEntry[]): Html {
  const here = `/dashboard/subscriptions?id=${id}`;
  const hidden = html`${csrfField(session)}<input type="hidden" name="back" value="${here}" />`;
  const charges = entries.flatMap((e) => (e.kind === 'CHARGE' ? [e] : []));
  return html`<h2>Actions</h2>
    <form class="inline" method="post" action="/dashboard/subscriptions/${id}/retry-now">
      ${hidden}<button>Retry now</button>
    </form>
    <form class="inline" method="post" action="/dashboard/subscriptions/${id}/cancel">
      ${hidden}
      <select name="mode" aria-label="cancel mode">
        <option value="AT_PERIOD_END">at period end</option>
        <option value="IMMEDIATELY">immediately</option></select
      ><button>Cancel subscription</button>
    </form>
    ${charges.map(
      (c) =>
        html`<div>
          <form class="inline" method="post" action="/dashboard/charges/${c.chargeId}/refund">
            ${hidden} Refund charge <code>${c.klarnaTransactionId}</code>:
            <input name="amount" size="10" placeholder="all" aria-label="amount (minor units)" /> minor units,
            <input name="reason" size="24" placeholder="reason" aria-label="reason" /><button>Refund</button>
          </form>
        </div>`,
    )}`;
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/subscriptions', async (request, reply) => {
    const session = sessionOf(request);
    const { id: raw } = request.query as { id?: unknown };
    const id = typeof raw === 'string' ? raw.trim() : '';
    const search = html`<form class="inline" method="get" action="/dashboard/subscriptions">
      <label>Subscription id <input name="id" value="${id}" size="40" required /></label
      ><button>Show timeline</button>
    </form>`;
    if (id === '') return sendPage(request, reply, deps.options, 'Subscription timeline', search);
    const timeline = isUuid(id)
      ? await subscriptionTimeline(deps.db, { subscriptionId: id, limit: LIMIT, after: null })
      : null;
    if (timeline === null) {
      const missing = html`${search}
        <p class="flash error">No subscription has the id ${id}.</p>`;
      return sendPage(request, reply, deps.options, 'Subscription timeline', missing, 404);
    }
    const body = html`${search}
      ${session.operator.role === 'ADMIN' ? actions(session, id, timeline.entries) : null}
      <h2>Timeline of <code>${id}</code></h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          ${timeline.entries.map(
            (e) =>
              html`<tr>
                <td>${entryTime(e)}</td>
                <td>${e.kind}</td>
                <td>${entryDetails(e)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${timeline.next === null ? null : html`<p class="muted">The first ${LIMIT} entries are shown.</p>`}`;
    return sendPage(request, reply, deps.options, 'Subscription timeline', body);
  });
}
