// GET /dashboard: what needs an operator at a glance (past due, held, uncaptured, failed webhook
// deliveries) and the queues' counts.
import type { FastifyInstance } from 'fastify';
import { awaitingOperator } from '../../store/dashboard/awaiting-operator.js';
import { pastDueSubscriptions } from '../../store/dashboard/past-due-subscriptions.js';
import { failedWebhookDeliveries } from '../../store/dashboard/failed-webhook-deliveries.js';
import type { DashboardDeps } from '../deps.js';
import { html } from '../html.js';
import { AWAITING_WINDOWS } from './held.js';
import { sendPage } from './send-page.js';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
const COUNT_UP_TO = 100;

const upTo = (n: number, more: boolean): string => (more ? `${n}+` : String(n));

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/', async (request, reply) => {
    const [pastDue, awaiting, failed, queues] = await Promise.all([
      pastDueSubscriptions(deps.db, {}, { limit: COUNT_UP_TO, after: null }),
      awaitingOperator(deps.db, { now: deps.clock.now(), limit: COUNT_UP_TO, ...AWAITING_WINDOWS }),
      failedWebhookDeliveries(deps.db, {}, { limit: COUNT_UP_TO, after: null }),
      Promise.all(
        deps.queues.map(async (queue) => ({ name: queue.name, counts: await queue.getJobCounts(...STATES) })),
      ),
    ]);
    const cards: [string, string, string][] = [
      ['/dashboard/past-due', 'Past-due subscriptions', upTo(pastDue.items.length, pastDue.next !== null)],
      ['/dashboard/held', 'Held invoices', upTo(awaiting.held.items.length, awaiting.held.more)],
      [
        '/dashboard/held',
        'Uncaptured authorizations',
        upTo(awaiting.authorizations.items.length, awaiting.authorizations.more),
      ],
      [
        '/dashboard/webhook-deliveries',
        'Failed webhook deliveries',
        upTo(failed.items.length, failed.next !== null),
      ],
    ];
    const body = html`<div class="cards">
        ${cards.map(
          ([href, label, count]) => html`<a class="card" href="${href}"><b>${count}</b>${label}</a>`,
        )}
      </div>
      <h2>Queues</h2>
      <table>
        <thead>
          <tr>
            <th>Queue</th>
            ${STATES.map((s) => html`<th>${s}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${queues.map(
            (q) =>
              html`<tr>
                <td><a href="/dashboard/queues/queue/${encodeURIComponent(q.name)}">${q.name}</a></td>
                ${STATES.map((s) => html`<td>${q.counts[s] ?? 0}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>`;
    return sendPage(request, reply, deps.options, 'Overview', body);
  });
}
