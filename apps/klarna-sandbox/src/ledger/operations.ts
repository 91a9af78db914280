// What happens to a transaction after its authorization, as ledger lines (SIM-ONLY). The file
// stays append-only: each capture, refund or state change is one more line, folded into its
// transaction's entry both live and on reload, so a reload reproduces the same view.
import { z } from 'zod';
import { TRANSACTION_STATES, type TransactionState } from '../transactions/model.js';
import type { CaptureView, RefundView } from '../transactions/views.js';
import type { LedgerEntry } from './ledger.js';

export type LedgerOperation =
  | { op: 'capture'; payment_transaction_id: string; capture: CaptureView; state: TransactionState }
  | { op: 'refund'; payment_transaction_id: string; refund: RefundView }
  | { op: 'state'; payment_transaction_id: string; state: TransactionState; released_amount: number };

const allocation = z.object({ payment_capture_id: z.string(), amount: z.number().int() });

export const captureLine = z.object({
  payment_capture_id: z.string(),
  payment_capture_reference: z.string().nullable(),
  amount: z.number().int(),
  refunded_amount: z.number().int(),
  captured_at: z.string(),
});

export const refundLine = z.object({
  payment_refund_id: z.string(),
  payment_refund_reference: z.string().nullable(),
  payment_capture_id: z.string().nullable(),
  amount: z.number().int(),
  refunded_at: z.string(),
  allocations: z.array(allocation),
});

const state = z.enum(TRANSACTION_STATES);

export const operationLine = z.discriminatedUnion('op', [
  z.object({ op: z.literal('capture'), payment_transaction_id: z.string(), capture: captureLine, state }),
  z.object({ op: z.literal('refund'), payment_transaction_id: z.string(), refund: refundLine }),
  z.object({
    op: z.literal('state'),
    payment_transaction_id: z.string(),
    state,
    released_amount: z.number().int().min(0),
  }),
]);

/** Applies one operation to its transaction's entry (in place). */
export function foldOperation(entry: LedgerEntry, op: LedgerOperation): void {
  switch (op.op) {
    case 'capture':
      entry.captures.push({ ...op.capture });
      entry.captured_amount += op.capture.amount;
      entry.payment_capture_id ??= op.capture.payment_capture_id;
      entry.state = op.state;
      return;
    case 'refund':
      entry.refunds.push({ ...op.refund, allocations: op.refund.allocations.map((a) => ({ ...a })) });
      entry.refunded_amount += op.refund.amount;
      for (const a of op.refund.allocations) {
        const capture = entry.captures.find((c) => c.payment_capture_id === a.payment_capture_id);
        if (capture) capture.refunded_amount += a.amount;
      }
      return;
    case 'state':
      entry.state = op.state;
      entry.released_amount = op.released_amount;
      return;
  }
}
