// The Payment Request record and its two outward shapes: the resource (CONTRACT.md §8) and the
// webhook payload (§10.4: the resource plus top-level copies of the issued tokens).
import type { PaymentRequestState } from '../events.js';
import {
  customerTokenView,
  type CustomerTokenRecord,
  type Scope,
  type TokenView,
} from '../tokens/customer-tokens.js';
import type { SessionTokenRecord } from '../tokens/session-tokens.js';
import type { StateReason } from './state-machine.js';

export type InteractionMethod = 'HANDOVER' | 'SDK';

/** Which authorize scenario created the request (CONTRACT.md §6). */
export type PaymentRequestPurpose = 'tokenize' | 'tokenize_and_pay' | 'pay_with_token' | 'pay';

export interface PaymentRequestRecord {
  id: string;
  accountId: string;
  reference: string | undefined;
  purpose: PaymentRequestPurpose;
  currency: string;
  /** Present iff money is to be authorized by a later finalize. */
  payment: { amount: number; reference: string } | undefined;
  /** Present iff completing the request issues a customer token. */
  tokenRequest: { scopes: Scope[]; reference: string | undefined } | undefined;
  /** The customer token the payment is made with when the request does not issue one (charge (d), or §7.1 token-approved/payment-stepped-up); recorded in the ledger on finalize. */
  chargedToken: string | undefined;
  method: InteractionMethod;
  returnUrl: string | undefined;
  /** Echoes, exactly as the partner sent them. */
  customerInteractionConfig: unknown;
  supplementaryPurchaseData: unknown;
  state: PaymentRequestState;
  previousState: PaymentRequestState | undefined;
  stateReason: StateReason | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  canceledAt: number | undefined;
  issuedToken: CustomerTokenRecord | undefined;
  sessionToken: SessionTokenRecord | undefined;
  finalized: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function journeyUrl(publicBaseUrl: string, id: string): string {
  return `${publicBaseUrl}/journey/${id}`;
}

/** `state_context` (§8): how to reach the customer while open, what was issued once COMPLETED. */
export interface PaymentRequestStateContext {
  customer_interaction?: {
    method: InteractionMethod;
    payment_request_id: string;
    payment_request_url: string;
  };
  klarna_network_session_token?: string;
  klarna_customer?: TokenView;
}

/** The resource as GET returns it (CONTRACT.md §8). */
export interface PaymentRequestView {
  payment_request_id: string;
  payment_request_reference?: string;
  amount?: number;
  currency: string;
  state: PaymentRequestState;
  previous_state: PaymentRequestState | null;
  state_reason: StateReason | null;
  state_context: PaymentRequestStateContext;
  state_expires_at?: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
  canceled_at?: string;
  /** Echoes, exactly as the partner sent them. */
  customer_interaction_config: unknown;
  supplementary_purchase_data?: unknown;
}

/** The webhook payload (§10.4): the resource plus top-level copies of what was issued. */
export interface PaymentRequestPayload extends PaymentRequestView {
  klarna_network_session_token?: string;
  klarna_customer?: TokenView;
}

function stateContext(r: PaymentRequestRecord, publicBaseUrl: string): PaymentRequestStateContext {
  const context: PaymentRequestStateContext = {};
  if (r.state === 'SUBMITTED' || r.state === 'IN_PROGRESS') {
    context.customer_interaction = {
      method: r.method,
      payment_request_id: r.id,
      payment_request_url: journeyUrl(publicBaseUrl, r.id),
    };
  }
  if (r.state === 'COMPLETED') {
    if (r.sessionToken) context.klarna_network_session_token = r.sessionToken.token;
    if (r.issuedToken) context.klarna_customer = customerTokenView(r.issuedToken);
  }
  return context;
}

export function paymentRequestView(r: PaymentRequestRecord, publicBaseUrl: string): PaymentRequestView {
  const stateExpiresAt = stateExpiry(r);
  return {
    payment_request_id: r.id,
    ...(r.reference !== undefined && { payment_request_reference: r.reference }),
    ...(r.payment && { amount: r.payment.amount }),
    currency: r.currency,
    state: r.state,
    previous_state: r.previousState ?? null,
    state_reason: r.stateReason,
    state_context: stateContext(r, publicBaseUrl),
    ...(stateExpiresAt !== undefined && { state_expires_at: iso(stateExpiresAt) }),
    expires_at: iso(r.expiresAt),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    ...(r.canceledAt !== undefined && { canceled_at: iso(r.canceledAt) }),
    customer_interaction_config: r.customerInteractionConfig,
    ...(r.supplementaryPurchaseData !== undefined && {
      supplementary_purchase_data: r.supplementaryPurchaseData,
    }),
  };
}

/** When the current state ends by itself: the lifetime, or the finalize window after COMPLETED. */
function stateExpiry(r: PaymentRequestRecord): number | undefined {
  if (r.state === 'SUBMITTED' || r.state === 'IN_PROGRESS') return r.expiresAt;
  if (r.state === 'COMPLETED' && r.sessionToken && !r.finalized) return r.sessionToken.expiresAt;
  return undefined;
}

/** The webhook payload (CONTRACT.md §10.4). */
export function stateChangePayload(r: PaymentRequestRecord, publicBaseUrl: string): PaymentRequestPayload {
  const payload: PaymentRequestPayload = paymentRequestView(r, publicBaseUrl);
  if (r.state === 'COMPLETED') {
    if (r.sessionToken) payload.klarna_network_session_token = r.sessionToken.token;
    if (r.issuedToken) payload.klarna_customer = customerTokenView(r.issuedToken);
  }
  return payload;
}
