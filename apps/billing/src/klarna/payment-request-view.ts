// The Payment Request (CONTRACT.md §8) as Rebill reads it, from any of the three places it
// arrives: a GET or DELETE answer, `payment_request` in an authorize answer, and the payload of a
// `payment.request.*` webhook (§10.4: the same snapshot plus top-level copies of the tokens).
// Tokens are read from `state_context` first, then from the top-level copies, and wrapped into
// Secrets the moment they are read.
import { z } from 'zod';
import { Secret, type CustomerTokenSecret, type NetworkSessionTokenSecret } from '../secrets/secret.js';
import { optionalAmount, optionalInstant, optionalRecord, optionalText, stringList } from './wire-fields.js';

export const PAYMENT_REQUEST_STATES = [
  'SUBMITTED',
  'IN_PROGRESS',
  'COMPLETED',
  'EXPIRED',
  'CANCELED',
  'DECLINED',
] as const;
export type PaymentRequestState = (typeof PAYMENT_REQUEST_STATES)[number];

export interface PaymentRequestView {
  readonly paymentRequestId: string;
  /** payment_request_reference: ours, echoed. */
  readonly reference: string | null;
  /** A state this version does not know reads as UNKNOWN; `rawState` has what Klarna sent. */
  readonly state: PaymentRequestState | 'UNKNOWN';
  readonly rawState: string;
  readonly previousState: PaymentRequestState | 'UNKNOWN' | null;
  readonly stateReason: string | null;
  /** Integer minor units; null for a tokenize-only request. */
  readonly amount: number | null;
  readonly currency: string | null;
  /** payment_request_url (state_context.customer_interaction), while SUBMITTED or IN_PROGRESS. */
  readonly url: string | null;
  readonly expiresAt: Date | null;
  readonly stateExpiresAt: Date | null;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly canceledAt: Date | null;
  /** Issued on COMPLETED when a token was requested. */
  readonly customerToken?: CustomerTokenSecret;
  /** Issued on COMPLETED when money was requested; finalize within 60 minutes. */
  readonly networkSessionToken?: NetworkSessionTokenSecret;
  /** customer_token_reference of the issued token. */
  readonly tokenReference: string | null;
  readonly scopes: string[];
}

/** `field` is the path inside the request object that could not be read ('' for the object itself). */
export type PaymentRequestParse = { ok: true; view: PaymentRequestView } | { ok: false; field: string };

/** `prefix.field`, or `prefix` alone for the object itself. */
export function fieldUnder(prefix: string, field: string): string {
  return field === '' ? prefix : `${prefix}.${field}`;
}

/** A token value: the string itself, or the §7 object shape `{customer_token: "…"}`. */
const tokenValue = z
  .union([
    z.string().min(1),
    z.object({ customer_token: z.string().min(1) }).transform((o) => o.customer_token),
  ])
  .optional()
  .catch(undefined);

const klarnaCustomer = z
  .object({ customer_token: tokenValue, customer_token_reference: optionalText, scopes: stringList })
  .optional()
  .catch(undefined);

const issuedTokensSchema = z.object({
  state_context: z
    .object({ klarna_network_session_token: optionalText, klarna_customer: klarnaCustomer })
    .optional()
    .catch(undefined),
  klarna_network_session_token: optionalText,
  klarna_customer: klarnaCustomer,
});

const paymentRequestSchema = z.object({
  payment_request_id: z.string().min(1),
  state: z.string().min(1),
  payment_request_reference: optionalText,
  previous_state: optionalText,
  state_reason: optionalText,
  amount: optionalAmount,
  currency: optionalText,
  state_context: z
    .object({
      customer_interaction: z.object({ payment_request_url: optionalText }).optional().catch(undefined),
      klarna_network_session_token: optionalText,
      klarna_customer: klarnaCustomer,
    })
    .optional()
    .catch(undefined),
  klarna_network_session_token: optionalText,
  klarna_customer: klarnaCustomer,
  expires_at: optionalInstant,
  state_expires_at: optionalInstant,
  created_at: optionalInstant,
  updated_at: optionalInstant,
  canceled_at: optionalInstant,
});

export function knownState(value: string): PaymentRequestState | 'UNKNOWN' {
  const upper = value.trim().toUpperCase();
  return (PAYMENT_REQUEST_STATES as readonly string[]).includes(upper)
    ? (upper as PaymentRequestState)
    : 'UNKNOWN';
}

export function parsePaymentRequest(raw: unknown): PaymentRequestParse {
  if (optionalRecord.parse(raw) === undefined) return { ok: false, field: '' };
  const parsed = paymentRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: issue === undefined ? '' : issue.path.map(String).join('.') };
  }
  const pr = parsed.data;
  const issued = issuedTokensOf(pr);
  const view: PaymentRequestView = {
    paymentRequestId: pr.payment_request_id,
    reference: pr.payment_request_reference ?? null,
    state: knownState(pr.state),
    rawState: pr.state,
    previousState: pr.previous_state === undefined ? null : knownState(pr.previous_state),
    stateReason: pr.state_reason ?? null,
    amount: pr.amount ?? null,
    currency: pr.currency ?? null,
    url: pr.state_context?.customer_interaction?.payment_request_url ?? null,
    expiresAt: pr.expires_at ?? null,
    stateExpiresAt: pr.state_expires_at ?? null,
    createdAt: pr.created_at ?? null,
    updatedAt: pr.updated_at ?? null,
    canceledAt: pr.canceled_at ?? null,
    ...wrapIssued(issued),
    tokenReference: issued.tokenReference,
    scopes: issued.scopes,
  };
  return { ok: true, view };
}

/** The tokens a COMPLETED request issued, raw: kept inside this module and wrapped at once. */
interface IssuedTokens {
  readonly customerToken: string | undefined;
  readonly networkSessionToken: string | undefined;
  readonly tokenReference: string | null;
  readonly scopes: string[];
}

/** §10.4: `state_context` first, then the top-level copies. */
function issuedTokensOf(payload: z.infer<typeof issuedTokensSchema>): IssuedTokens {
  const context = payload.state_context;
  // The customer object that carries the token wins; reference and scopes come from the same one.
  const customer =
    context?.klarna_customer?.customer_token !== undefined
      ? context.klarna_customer
      : (payload.klarna_customer ?? context?.klarna_customer);
  return {
    customerToken: customer?.customer_token,
    networkSessionToken: context?.klarna_network_session_token ?? payload.klarna_network_session_token,
    tokenReference: customer?.customer_token_reference ?? null,
    scopes: customer?.scopes ?? [],
  };
}

function wrapIssued(issued: IssuedTokens): {
  customerToken?: CustomerTokenSecret;
  networkSessionToken?: NetworkSessionTokenSecret;
} {
  return {
    ...(issued.customerToken === undefined
      ? {}
      : { customerToken: Secret.wrap('klarna-customer-token', issued.customerToken) }),
    ...(issued.networkSessionToken === undefined
      ? {}
      : { networkSessionToken: Secret.wrap('klarna-network-session-token', issued.networkSessionToken) }),
  };
}

/** The issued tokens at the §10.4 locations of any payload, whatever its event type. */
export function issuedSecretsOf(payload: unknown): {
  customerToken?: CustomerTokenSecret;
  networkSessionToken?: NetworkSessionTokenSecret;
} {
  const parsed = issuedTokensSchema.safeParse(payload);
  return parsed.success ? wrapIssued(issuedTokensOf(parsed.data)) : {};
}
