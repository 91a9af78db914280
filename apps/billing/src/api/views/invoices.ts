import type { InvoiceRow, InvoiceWithLines } from '../../store/invoices.js';
import type { InvoiceDetailJson, InvoiceJson } from '../schemas/invoices.js';
import { iso, isoOrNull } from './time.js';

export function invoiceView(invoice: InvoiceRow): InvoiceJson {
  return {
    id: invoice.id,
    object: 'invoice',
    number: invoice.number,
    status: invoice.status,
    customer_id: invoice.customerId,
    subscription_id: invoice.subscriptionId,
    plan_version_id: invoice.planVersionId,
    period_index: invoice.periodIndex,
    period_start: iso(invoice.periodStart),
    period_end: iso(invoice.periodEnd),
    amount: invoice.amountMinor,
    tax: invoice.taxMinor,
    currency: invoice.currency,
    issued_at: iso(invoice.issuedAt),
    paid_at: isoOrNull(invoice.paidAt),
    voided_at: isoOrNull(invoice.voidedAt),
    hold:
      invoice.heldAt !== null && invoice.holdReason !== null
        ? { reason: invoice.holdReason, held_at: iso(invoice.heldAt) }
        : null,
    created_at: iso(invoice.createdAt),
    updated_at: iso(invoice.updatedAt),
  };
}

export function invoiceDetailView(invoice: InvoiceWithLines): InvoiceDetailJson {
  return {
    ...invoiceView(invoice),
    lines: invoice.lines.map((line) => ({
      id: line.id,
      object: 'invoice_line',
      position: line.position,
      description: line.description,
      quantity: line.quantity,
      unit_amount: line.unitAmountMinor,
      amount: line.amountMinor,
      tax: line.taxMinor,
      tax_rate_bps: line.taxRateBps,
      plan_version_id: line.planVersionId,
      period_start: isoOrNull(line.periodStart),
      period_end: isoOrNull(line.periodEnd),
    })),
  };
}
