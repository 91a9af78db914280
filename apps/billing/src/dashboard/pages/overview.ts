// GET /dashboard: the queues' counts at a glance and where to go next.
import type { FastifyInstance } from 'fastify';
import type { DashboardDeps } from '../deps.js';
import { takeFlash } from '../flash.js';
import { html } from '../html.js';
import { page, sendHtml } from '../layout.js';
import { sessionOf } from '../session.js';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/', async (request, reply) => {
    const queues = await Promise.all(
      deps.queues.map(async (queue) => ({ name: queue.name, counts: await queue.getJobCounts(...STATES) })),
    );
    const body = html`<h2>Queues</h2>
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
    return sendHtml(
      reply,
      page({
        title: 'Overview',
        session: sessionOf(request),
        flash: takeFlash(request, reply, deps.options),
        body,
      }),
    );
  });
}
