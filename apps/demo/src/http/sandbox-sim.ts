// The sandbox's test controls (/__sim): the customer's side of Klarna's purchase journey, scripted
// charge outcomes, and the ledger of every approved transaction.
import { callJson } from './json-http.js';

export type JourneyStep = 'enter' | 'complete' | 'decline' | 'abort';

export interface LedgerEntry {
  readonly payment_transaction_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly captured_amount: number;
  readonly refunded_amount: number;
}

export class SandboxSim {
  constructor(private readonly sandboxUrl: string) {}

  async journey(paymentRequestUrl: string, step: JourneyStep): Promise<void> {
    const id = decodeURIComponent(paymentRequestUrl.split('/journey/')[1] ?? '');
    if (id === '') throw new Error(`not a journey URL: ${paymentRequestUrl}`);
    await callJson('POST', `${this.sandboxUrl}/__sim/payment-requests/${encodeURIComponent(id)}/${step}`);
  }

  /** The charge with this payment_transaction_reference is declined (soft: retried by dunning). */
  async declineCharge(reference: string): Promise<void> {
    await callJson('POST', `${this.sandboxUrl}/__sim/scenarios`, {
      body: {
        match: { scenario: 'cnp_charge', payment_transaction_reference: reference },
        outcome: { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
        times: 'once',
      },
    });
  }

  /** Every approved transaction of one Klarna account. */
  async ledger(accountId: string): Promise<readonly LedgerEntry[]> {
    const answer = await callJson<{ entries: LedgerEntry[] }>(
      'GET',
      `${this.sandboxUrl}/__sim/ledger?account_id=${encodeURIComponent(accountId)}`,
    );
    return answer.body.entries;
  }
}
