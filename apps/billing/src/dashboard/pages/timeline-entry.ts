// One timeline entry as a table row's cells: what happened and the ids an operator looks up
// (Klarna's correlation id for attempts, the actor of every audited action).
import { instant, money, shortId } from '../format.js';
import { html, type Html } from '../html.js';
import type { TimelineEntry } from '../../store/dashboard/subscription-timeline.js';

const json = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value));

export function entryDetails(entry: TimelineEntry): Html {
  switch (entry.kind) {
    case 'SIGNED_UP':
      return html`signed up (${entry.status}) · ${entry.currency} · ${entry.timeZone}`;
    case 'PAYMENT_REQUEST':
      return html`${entry.purpose} payment request ${entry.state} ${money(entry.amountMinor, entry.currency)}
        <code>${entry.klarnaPaymentRequestId ?? ''}</code>`;
    case 'WEBHOOK_RECEIVED':
      return html`Klarna webhook <b>${entry.eventType}</b> (${entry.status}) <code>${entry.eventId}</code>`;
    case 'ATTEMPT':
      return html`attempt #${entry.attemptNumber} ${entry.attemptKind}
        <b>${entry.status}</b> ${money(entry.amountMinor, entry.currency)}
        ${entry.declineReason === null ? null : html` · decline ${entry.declineReason} (${entry.declineCategory ?? ''})`}${entry.errorCode === null ? null : html` · error ${entry.errorCode}`}
        <br />correlation id <code>${entry.klarnaCorrelationId ?? '-'}</code> · reference
        <code>${entry.reference}</code>`;
    case 'CHARGE':
      return html`charge <b>${entry.state}</b> ${money(entry.amountMinor, entry.currency)}
        (${entry.captureMode}) <code>${entry.klarnaTransactionId}</code>`;
    case 'CAPTURE':
    case 'REFUND':
    case 'VOID':
      return html`${entry.kind.toLowerCase()}
        <b>${entry.status}</b> ${money(entry.amountMinor, entry.currency)} of charge
        <code>${shortId(entry.chargeId)}</code
        >${entry.failureCode === null ? null : html` · ${entry.failureCode}`}`;
    case 'STATE_CHANGE':
      return html`<b>${entry.from ?? '(none)'} → ${entry.to}</b> by ${entry.actor.kind}
        <code>${entry.actor.id}</code> (${entry.action})`;
    case 'AUDITED_ACTION':
      return html`${entry.action} by ${entry.actor.kind} <code>${entry.actor.id}</code> on ${entry.entityType}
        <code>${shortId(entry.entityId)}</code> <br /><span class="muted"
          >${json(entry.before)} → ${json(entry.after)}</span
        >`;
    case 'MERCHANT_WEBHOOK':
      return html`merchant webhook <b>${entry.type}</b>:
        ${entry.deliveries.map(
          (d) =>
            html`<br />delivery <code>${shortId(d.deliveryId)}</code> ${d.status} after ${d.attemptCount}
              attempt(s)${d.lastStatus === null ? null : html`, last ${d.lastStatus}`}`,
        )}`;
  }
}

export const entryTime = (entry: TimelineEntry): string => instant(entry.at);
