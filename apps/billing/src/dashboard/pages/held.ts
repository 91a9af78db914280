// GET /dashboard/held: invoices held for an operator (with the resolve form: APPROVED with the
// verified Klarna payment_transaction_id, or NOT_CHARGED) and authorizations still uncaptured.
import type { FastifyInstance } from 'fastify';
import { awaitingOperator } from '../../store/dashboard/awaiting-operator.js';
import type { DashboardDeps } from '../deps.js';
import { instant, money, shortId } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import type { DashboardSession } from '../session.js';
import { sessionOf } from '../session.js';
import { sendPage } from './send-page.js';

/** Authorizations expiring within two days are listed; a capture an hour past due is overdue. */
export const AWAITING_WINDOWS = { expiringWithinMs: 2 * 86_400_000, captureGraceMs: 3_600_000 } as const;

function resolveForm(session: DashboardSession, invoiceId: string): Html {
  return html`<form class="inline" method="post" action="/dashboard/invoices/${invoiceId}/resolve">
    ${csrfField(session)}
    <select name="outcome" aria-label="outcome">
      <option value="APPROVED">APPROVED</option>
      <option value="NOT_CHARGED">NOT_CHARGED</option>
    </select>
    <input
      name="payment_transaction_id"
      placeholder="payment_transaction_id (APPROVED)"
      size="28"
      aria-label="payment_transaction_id"
    />
    <button>Resolve</button>
  </form>`;
}

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/held', async (request, reply) => {
    const session = sessionOf(request);
    const admin = session.operator.role === 'ADMIN';
    const { held, authorizations } = await awaitingOperator(deps.db, {
      now: deps.clock.now(),
      limit: 100,
      ...AWAITING_WINDOWS,
    });
    const body = html`<h2>Held attempts</h2>
      <p class="muted">
        Nothing charges a held invoice until an operator records what Klarna did: look the attempt up at
        Klarna by its reference, then resolve it.
      </p>
      <table>
        <thead>
          <tr>
            <th>Subscription</th>
            <th>Invoice</th>
            <th>Held since</th>
            <th>Reason</th>
            <th>Last attempt</th>
            <th>Klarna correlation id</th>
            ${admin ? html`<th>Resolve</th>` : null}
          </tr>
        </thead>
        <tbody>
          ${held.items.map(
            (h) =>
              html`<tr>
                <td>
                  <a href="/dashboard/subscriptions?id=${h.subscriptionId}"
                    ><code>${shortId(h.subscriptionId)}</code></a
                  >
                </td>
                <td>${h.number} · ${money(h.amountMinor, h.currency)}</td>
                <td>${instant(h.heldAt)}</td>
                <td>${h.holdReason ?? ''}</td>
                <td>
                  ${h.lastAttempt === null ? '' : html`#${h.lastAttempt.attemptNumber} ${h.lastAttempt.status} ${h.lastAttempt.errorCode ?? ''}<br /><code>${h.lastAttempt.reference}</code>`}
                </td>
                <td><code>${h.lastAttempt?.klarnaCorrelationId ?? ''}</code></td>
                ${admin ? html`<td>${resolveForm(session, h.invoiceId)}</td>` : null}
              </tr>`,
          )}
        </tbody>
      </table>
      ${held.more ? html`<p class="muted">More are held than shown.</p>` : null}
      <h2>Uncaptured authorizations</h2>
      <table>
        <thead>
          <tr>
            <th>Subscription</th>
            <th>Charge</th>
            <th>Amount</th>
            <th>Authorized</th>
            <th>Capture due</th>
            <th>Expires</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          ${authorizations.items.map(
            (a) =>
              html`<tr>
                <td>
                  <a href="/dashboard/subscriptions?id=${a.subscriptionId}"
                    ><code>${shortId(a.subscriptionId)}</code></a
                  >
                </td>
                <td><code>${a.klarnaTransactionId}</code></td>
                <td>${money(a.amountMinor, a.currency)}</td>
                <td>${instant(a.authorizedAt)}</td>
                <td>${instant(a.captureDueAt)}</td>
                <td>${instant(a.expiresAt)}</td>
                <td>${a.expired ? 'expired' : a.captureOverdue ? 'capture overdue' : 'expiring soon'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${authorizations.more ? html`<p class="muted">More are waiting than shown.</p>` : null}`;
    return sendPage(request, reply, deps.options, 'Held attempts and uncaptured authorizations', body);
  });
}
