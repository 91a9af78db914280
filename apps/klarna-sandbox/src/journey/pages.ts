// The purchase-journey pages: the journey itself (what the customer approves) and the pages
// for every outcome. Plain server-rendered HTML with forms, so it works without JavaScript.
import { html, page, type Html } from './html.js';
import { formatMoney, type JourneyView, type LineItem, type Subscription } from './view-model.js';

/** Relative form action: stays correct behind a path prefix; the encoded id cannot read as a scheme. */
const actionUrl = (id: string, action: 'approve' | 'decline' | 'abort'): string =>
  `./${encodeURIComponent(id)}/${action}`;

function intervalText(interval: string | undefined, frequency: number | undefined): string {
  if (interval === undefined) return '';
  const unit = interval.toLowerCase();
  return frequency === undefined || frequency === 1 ? `every ${unit}` : `every ${frequency} ${unit}s`;
}

function subscriptionRows(subscriptions: Subscription[], currency: string | undefined): Html[] {
  return subscriptions.flatMap((s) => {
    const plans = s.billing_plans.length > 0 ? s.billing_plans : [undefined];
    return plans.map(
      (plan) =>
        html`<tr>
          <td>
            ${s.name ?? s.subscription_reference ?? 'Subscription'}${s.free_trial === 'ACTIVE' ? ' (free trial)' : ''}
          </td>
          <td class="num">
            ${plan?.billing_amount === undefined ? '' : formatMoney(plan.billing_amount, plan.currency ?? currency)}
            ${intervalText(plan?.interval, plan?.interval_frequency)}${plan?.from === undefined ? '' : ` from ${plan.from}`}
          </td>
        </tr>`,
    );
  });
}

function lineItemRows(items: LineItem[], currency: string | undefined): Html[] {
  return items.map(
    (item) =>
      html`<tr>
        <td>${item.quantity === undefined ? '' : `${item.quantity} × `}${item.name}</td>
        <td class="num">
          ${item.total_amount === undefined ? '' : formatMoney(item.total_amount, currency)}
        </td>
      </tr>`,
  );
}

function button(id: string, action: 'approve' | 'decline' | 'abort', label: string, primary = false): Html {
  return html`<form method="post" action="${actionUrl(id, action)}">
    <button type="submit" name="action" value="${action}" ${primary ? html` class="primary"` : ''}>
      ${label}
    </button>
  </form>`;
}

function detailsList(view: JourneyView): Html {
  const rows: [string, string | undefined][] = [
    ['Purchase reference', view.supplementary_purchase_data?.purchase_reference],
    ['Request reference', view.payment_request_reference],
    ['Currency', view.currency],
  ];
  return html`<dl>
    ${rows.flatMap(([label, value]) =>
      value === undefined
        ? []
        : [
            html`<dt>${label}</dt>
              <dd>${value}</dd>`,
          ],
    )}
  </dl>`;
}

function linesTable(lines: LineItem[], currency: string | undefined): Html | undefined {
  if (lines.length === 0) return undefined;
  return html`<table data-testid="line-items">
    <thead>
      <tr>
        <th>Item</th>
        <th class="num">Total</th>
      </tr>
    </thead>
    <tbody>
      ${lineItemRows(lines, currency)}
    </tbody>
  </table>`;
}

function subscriptionsBlock(subscriptions: Subscription[], currency: string | undefined): Html | undefined {
  if (subscriptions.length === 0) return undefined;
  return html`<h2>Subscriptions</h2>
    <table data-testid="subscriptions">
      <tbody>
        ${subscriptionRows(subscriptions, currency)}
      </tbody>
    </table>
    <p class="note">Klarna will be saved as the payment method for these subscriptions.</p>`;
}

/** The journey: what is bought or saved, and the three choices. */
export function journeyPage(view: JourneyView): string {
  const paying = view.amount !== undefined;
  const title = paying ? 'Pay with Klarna' : 'Save Klarna as payment method';
  const summary = paying
    ? html`<p class="amount" data-testid="amount">${formatMoney(view.amount ?? 0, view.currency)}</p>`
    : html`<p class="note">No payment now. The merchant may charge Klarna later as agreed below.</p>`;
  const id = view.payment_request_id;
  return page(
    title,
    html`<h1>${title}</h1>
      ${summary} ${detailsList(view)}
      ${linesTable(view.supplementary_purchase_data?.line_items ?? [], view.currency)}
      ${subscriptionsBlock(view.supplementary_purchase_data?.subscriptions ?? [], view.currency)}
      <div class="actions">
        ${button(id, 'approve', paying ? 'Pay with Klarna' : 'Approve', true)}
        ${button(id, 'decline', 'Decline')} ${button(id, 'abort', 'Cancel and return')}
      </div>`,
  );
}

/** Only http(s) links are rendered; anything else (say `javascript:`) is left out. */
function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** An outcome page, with a way back to the merchant when there is one. */
export function resultPage(title: string, message: string, returnUrl: string | undefined): string {
  const href = safeHref(returnUrl);
  return page(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      ${href === undefined ? html`<p class="note">You can close this window.</p>` : html`<p><a href="${href}" data-testid="return-link">Return to the merchant</a></p>`}`,
  );
}

const FINAL_MESSAGES: Record<'COMPLETED' | 'DECLINED' | 'EXPIRED' | 'CANCELED', [string, string]> = {
  COMPLETED: ['Already completed', 'This purchase is already complete. Nothing more to do here.'],
  DECLINED: ['Purchase declined', 'This purchase was declined and cannot be continued.'],
  EXPIRED: ['Link expired', 'This purchase link has expired. Please start again at the merchant.'],
  CANCELED: ['Purchase canceled', 'The merchant canceled this purchase.'],
};

export function finalStatePage(
  state: 'COMPLETED' | 'DECLINED' | 'EXPIRED' | 'CANCELED',
  returnUrl: string | undefined,
): string {
  const [title, message] = FINAL_MESSAGES[state];
  return resultPage(title, message, returnUrl);
}

export function notFoundPage(): string {
  return resultPage(
    'Purchase not found',
    'This purchase does not exist or has expired. Please start again at the merchant.',
    undefined,
  );
}
