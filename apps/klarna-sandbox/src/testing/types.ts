// The sandbox's answers as tests read them (CONTRACT.md §7, §8, §12.1 and the SIM-ONLY controls).
import type { LedgerEntry } from '../ledger/ledger.js';

export interface TokenView {
  customer_token: string;
  customer_token_reference?: string;
  scopes: string[];
}

export interface PaymentTransaction {
  payment_transaction_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  state: string;
  authorized_at: string;
  expires_at: string;
  /** Only with `capture: "NOW"` (§18.1). */
  payment_captures?: PaymentCapture[];
}

export interface PaymentCapture {
  payment_capture_id: string;
  amount: number;
  captured_at: string;
}

export interface ResultResponse {
  result: 'APPROVED' | 'DECLINED' | 'STEP_UP_REQUIRED';
  result_reason?: string;
}

export interface PaymentRequestView {
  payment_request_id: string;
  payment_request_reference?: string;
  amount?: number;
  currency: string;
  state: string;
  previous_state: string | null;
  state_reason: string | null;
  state_context: {
    customer_interaction?: { method: string; payment_request_id: string; payment_request_url: string };
    klarna_network_session_token?: string;
    klarna_customer?: TokenView;
  };
  state_expires_at?: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
  canceled_at?: string;
  customer_interaction_config: Record<string, unknown>;
  supplementary_purchase_data?: Record<string, unknown>;
}

export interface AuthorizeResponse {
  payment_transaction_response?: ResultResponse & { payment_transaction?: PaymentTransaction };
  customer_token_response?: ResultResponse & { customer_token?: TokenView };
  payment_request?: PaymentRequestView;
}

export interface SimActionResponse {
  state: string;
  redirect_url?: string;
  payment_request: PaymentRequestView;
}

export interface LedgerResponse {
  count: number;
  entries: LedgerEntry[];
}

export interface ErrorResponse {
  error_id: string;
  error_type: string;
  error_code: string;
  error_message: string;
  validation_errors?: { parameter: string; reason: string }[];
}
