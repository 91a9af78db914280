// GET /dashboard/charges: charge attempts per day over the last 30 days by outcome, declines by
// Klarna's decline reason, as a chart and a table; days in the picked merchant's zone (else UTC).
import type { FastifyInstance } from 'fastify';
import {
  chargeOutcomesOverTime,
  type ChargeOutcomeDay,
} from '../../store/dashboard/charge-outcomes-over-time.js';
import { stackedBarChart } from '../chart.js';
import type { DashboardDeps } from '../deps.js';
import { html } from '../html.js';
import { merchantFilter, merchantPicker } from './merchant-filter.js';
import { sendPage } from './send-page.js';

const DAYS = 30;

/** One series per outcome, declines one per reason: `declined: <reason>`. */
function seriesOf(day: ChargeOutcomeDay): Record<string, number> {
  const declined = Object.fromEntries(
    Object.entries(day.declined).map(([reason, n]) => [`declined: ${reason}`, n]),
  );
  return {
    approved: day.approved,
    ...declined,
    failed: day.failed,
    unknown: day.unknown,
    pending: day.pending,
  };
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/charges', async (request, reply) => {
    const filter = await merchantFilter(deps.db, request);
    const zone = filter.selected?.timeZone ?? 'UTC';
    const now = deps.clock.now();
    const days = await chargeOutcomesOverTime(deps.db, {
      merchantId: filter.selected?.id,
      zone,
      from: new Date(now.getTime() - DAYS * 86_400_000),
      to: new Date(now.getTime() + 1),
    });
    const bars = days.map((day) => ({ label: day.date, values: seriesOf(day) }));
    const series = [...new Set(bars.flatMap((bar) => Object.keys(bar.values)))];
    const body = html`${merchantPicker('/dashboard/charges', filter)}
      <p class="muted">Charge attempts of the last ${DAYS} days by outcome, per day in ${zone}.</p>
      ${stackedBarChart(bars, series, 'Charge attempts per day by outcome')}
      <table>
        <thead>
          <tr>
            <th>Date</th>
            ${series.map((s) => html`<th>${s}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${bars.map(
            (bar) =>
              html`<tr>
                <td>${bar.label}</td>
                ${series.map((s) => html`<td>${bar.values[s] ?? 0}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>`;
    return sendPage(request, reply, deps.options, 'Charges by outcome', body);
  });
}
