// GET /dashboard/recovery: how many dunning episodes end paid, over the last 30 and 90 days.
import type { FastifyInstance } from 'fastify';
import { dunningRecoveryRate } from '../../store/dashboard/dunning-recovery-rate.js';
import type { DashboardDeps } from '../deps.js';
import { html } from '../html.js';
import { merchantFilter, merchantPicker } from './merchant-filter.js';
import { sendPage } from './send-page.js';

const WINDOWS_DAYS = [30, 90] as const;

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/recovery', async (request, reply) => {
    const filter = await merchantFilter(deps.db, request);
    const now = deps.clock.now();
    const rows = await Promise.all(
      WINDOWS_DAYS.map(async (days) => ({
        days,
        recovery: await dunningRecoveryRate(deps.db, {
          merchantId: filter.selected?.id,
          from: new Date(now.getTime() - days * 86_400_000),
          to: now,
        }),
      })),
    );
    const body = html`${merchantPicker('/dashboard/recovery', filter)}
      <p class="muted">
        An episode starts with a renewal's first decline; it is recovered when the invoice is paid, given up
        when dunning ran out or the subscription ended. The rate counts ended episodes only.
      </p>
      <table>
        <thead>
          <tr>
            <th>Window</th>
            <th>Recovery rate</th>
            <th>Entered dunning</th>
            <th>Recovered</th>
            <th>Gave up</th>
            <th>Still open</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            ({ days, recovery: r }) =>
              html`<tr>
                <td>last ${days} days</td>
                <td><b>${r.rate === null ? 'n/a' : `${(r.rate * 100).toFixed(1)} %`}</b></td>
                <td>${r.entered}</td>
                <td>${r.recovered}</td>
                <td>${r.gaveUp}</td>
                <td>${r.stillOpen}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    return sendPage(request, reply, deps.options, 'Dunning recovery', body);
  });
}
