// authorizePayment's answer (CONTRACT.md §7, §18.1), read tolerantly: unknown fields are ignored,
// fields Rebill does not need may be missing or odd, and only what a result cannot do without is
// required (an APPROVED payment needs its transaction id, an APPROVED token its token). The raw
// token becomes a Secret here, the moment it is read.
import { z } from 'zod';
import { Secret } from '../secrets/secret.js';
import type { ApprovedCapture, ApprovedTransaction, PaymentPart, TokenPart } from './outcome.js';
import { optionalAmount, optionalInstant, optionalText, stringList } from './wire-fields.js';

export type PartParse<T> = { ok: true; part: T } | { ok: false; field: string };

const resultPart = z.object({
  result: z.string().min(1),
  result_reason: optionalText,
});

export const authorizeResponseSchema = z.object({
  payment_transaction_response: z.unknown().optional(),
  customer_token_response: z.unknown().optional(),
  payment_request: z.unknown().optional(),
});

const captureSchema = z.object({
  payment_capture_id: z.string().min(1),
  amount: optionalAmount,
  captured_at: optionalInstant,
});

const transactionSchema = z.object({
  payment_transaction_id: z.string().min(1),
  payment_transaction_reference: optionalText,
  amount: optionalAmount,
  currency: optionalText,
  state: optionalText,
  authorized_at: optionalInstant,
  expires_at: optionalInstant,
  payment_captures: z.array(z.unknown()).optional().catch(undefined),
});

/** §7 nests the token (`customer_token.customer_token`); [S4] shows a bare string. Both are read. */
const tokenObjectSchema = z.object({
  customer_token: z.string().min(1),
  customer_token_reference: optionalText,
  scopes: stringList,
});

const tokenResponseExtras = z.object({
  customer_token: z.unknown().optional(),
  customer_token_reference: optionalText,
  scopes: stringList,
});

type KnownResult = 'APPROVED' | 'DECLINED' | 'STEP_UP_REQUIRED';

function knownResult(value: string): KnownResult | null {
  const upper = value.trim().toUpperCase();
  return upper === 'APPROVED' || upper === 'DECLINED' || upper === 'STEP_UP_REQUIRED' ? upper : null;
}

export function parsePaymentPart(raw: unknown): PartParse<PaymentPart> {
  const head = resultPart.safeParse(raw);
  if (!head.success) return { ok: false, field: 'payment_transaction_response.result' };
  switch (knownResult(head.data.result)) {
    case 'DECLINED':
      return { ok: true, part: { result: 'DECLINED', reason: head.data.result_reason ?? null } };
    case 'STEP_UP_REQUIRED':
      return { ok: true, part: { result: 'STEP_UP_REQUIRED' } };
    case 'APPROVED': {
      const tx = transactionSchema.safeParse((raw as { payment_transaction?: unknown }).payment_transaction);
      if (!tx.success) {
        return {
          ok: false,
          field: 'payment_transaction_response.payment_transaction.payment_transaction_id',
        };
      }
      return { ok: true, part: { result: 'APPROVED', transaction: approvedTransaction(tx.data) } };
    }
    case null:
      // A result this version does not know: the outcome is unknown, not a decline.
      return { ok: false, field: 'payment_transaction_response.result' };
  }
}

function approvedTransaction(tx: z.infer<typeof transactionSchema>): ApprovedTransaction {
  return {
    paymentTransactionId: tx.payment_transaction_id,
    reference: tx.payment_transaction_reference ?? null,
    amount: tx.amount ?? null,
    currency: tx.currency ?? null,
    state: tx.state ?? null,
    authorizedAt: tx.authorized_at ?? null,
    expiresAt: tx.expires_at ?? null,
    capture: firstCapture(tx.payment_captures),
  };
}

/** §18.1 INFERRED: `payment_captures[0].payment_capture_id`. */
function firstCapture(captures: unknown[] | undefined): ApprovedCapture | null {
  const parsed = captureSchema.safeParse(captures?.[0]);
  if (!parsed.success) return null;
  return {
    paymentCaptureId: parsed.data.payment_capture_id,
    amount: parsed.data.amount ?? null,
    capturedAt: parsed.data.captured_at ?? null,
  };
}

export function parseTokenPart(raw: unknown): PartParse<TokenPart> {
  const head = resultPart.safeParse(raw);
  if (!head.success) return { ok: false, field: 'customer_token_response.result' };
  switch (knownResult(head.data.result)) {
    case 'DECLINED':
      return { ok: true, part: { result: 'DECLINED', reason: head.data.result_reason ?? null } };
    case 'STEP_UP_REQUIRED':
      return { ok: true, part: { result: 'STEP_UP_REQUIRED' } };
    case 'APPROVED':
      return approvedToken(raw);
    case null:
      return { ok: false, field: 'customer_token_response.result' };
  }
}

function approvedToken(raw: unknown): PartParse<TokenPart> {
  const extras = tokenResponseExtras.parse(raw);
  const nested = tokenObjectSchema.safeParse(extras.customer_token);
  if (nested.success) {
    return {
      ok: true,
      part: {
        result: 'APPROVED',
        token: Secret.wrap('klarna-customer-token', nested.data.customer_token),
        reference: nested.data.customer_token_reference ?? extras.customer_token_reference ?? null,
        scopes: nested.data.scopes ?? extras.scopes ?? [],
      },
    };
  }
  if (typeof extras.customer_token === 'string' && extras.customer_token !== '') {
    return {
      ok: true,
      part: {
        result: 'APPROVED',
        token: Secret.wrap('klarna-customer-token', extras.customer_token),
        reference: extras.customer_token_reference ?? null,
        scopes: extras.scopes ?? [],
      },
    };
  }
  return { ok: false, field: 'customer_token_response.customer_token.customer_token' };
}
