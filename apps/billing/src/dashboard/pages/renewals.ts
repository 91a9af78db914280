// GET /dashboard/renewals: renewals coming due in the next 14 days, by day in the merchant's zone
// (with one merchant picked; every merchant: each subscription's own zone) and currency.
import type { FastifyInstance } from 'fastify';
import { upcomingRenewalsByDay } from '../../store/dashboard/upcoming-renewals.js';
import type { DashboardDeps } from '../deps.js';
import { money } from '../format.js';
import { html } from '../html.js';
import { merchantFilter, merchantPicker } from './merchant-filter.js';
import { sendPage } from './send-page.js';

const DAYS = 14;

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/renewals', async (request, reply) => {
    const filter = await merchantFilter(deps.db, request);
    const days = await upcomingRenewalsByDay(deps.db, {
      merchantId: filter.selected?.id,
      zone: filter.selected?.timeZone,
      now: deps.clock.now(),
      days: DAYS,
    });
    const body = html`${merchantPicker('/dashboard/renewals', filter)}
      <p class="muted">
        Next ${DAYS} days; dates in
        ${filter.selected === undefined ? "each subscription's own time zone" : filter.selected.timeZone}.
      </p>
      <table>
        <thead>
          <tr>
            <th>Date</th>
            <th>Currency</th>
            <th>Renewals</th>
            <th>Amount</th>
          </tr>
        </thead>
        <tbody>
          ${days.map(
            (d) =>
              html`<tr>
                <td>${d.date}</td>
                <td>${d.currency}</td>
                <td>${d.count}</td>
                <td>${money(d.amountMinor, d.currency)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${days.length === 0 ? html`<p class="muted">No renewals due.</p>` : null}`;
    return sendPage(request, reply, deps.options, 'Upcoming renewals', body);
  });
}
