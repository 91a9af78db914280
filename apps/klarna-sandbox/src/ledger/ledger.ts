// The ledger (SIM-ONLY): every authorized payment transaction, queryable by reference and token,
// so tests can prove "charged exactly once per period".
import type { AuthorizeScenario } from '../authorize/classify.js';

export interface LedgerEntry {
  payment_transaction_id: string;
  account_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  customer_token: string | null;
  idempotency_key: string | null;
  scenario: Exclude<AuthorizeScenario, 'tokenize'>;
  authorized_at: string;
}

export interface LedgerQuery {
  reference?: string | undefined;
  customer_token?: string | undefined;
  account_id?: string | undefined;
}

export class Ledger {
  protected entries: LedgerEntry[] = [];

  append(entry: LedgerEntry): void {
    this.entries.push(entry);
  }

  query(q: LedgerQuery = {}): LedgerEntry[] {
    return this.entries.filter(
      (e) =>
        (q.reference === undefined || e.payment_transaction_reference === q.reference) &&
        (q.customer_token === undefined || e.customer_token === q.customer_token) &&
        (q.account_id === undefined || e.account_id === q.account_id),
    );
  }

  clear(): void {
    this.entries = [];
  }

  get size(): number {
    return this.entries.length;
  }
}
