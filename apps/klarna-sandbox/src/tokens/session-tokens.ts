// Klarna Network Session Tokens issued when a Payment Request with money COMPLETES (CONTRACT.md §9):
// valid 60 minutes of sandbox time for one finalize.
import { newNetworkSessionToken } from '../ids.js';

export const SESSION_TOKEN_TTL_MS = 60 * 60_000;

export interface SessionTokenRecord {
  token: string;
  accountId: string;
  paymentRequestId: string;
  amount: number;
  currency: string;
  issuedAt: number;
  expiresAt: number;
  /** Set once a finalize was APPROVED: the token cannot authorize twice. */
  finalizedTransactionId: string | undefined;
}

export class SessionTokenStore {
  private readonly tokens = new Map<string, SessionTokenRecord>();

  issue(input: {
    accountId: string;
    paymentRequestId: string;
    amount: number;
    currency: string;
    now: number;
  }): SessionTokenRecord {
    const record: SessionTokenRecord = {
      token: newNetworkSessionToken(),
      accountId: input.accountId,
      paymentRequestId: input.paymentRequestId,
      amount: input.amount,
      currency: input.currency,
      issuedAt: input.now,
      expiresAt: input.now + SESSION_TOKEN_TTL_MS,
      finalizedTransactionId: undefined,
    };
    this.tokens.set(record.token, record);
    return record;
  }

  forAccount(accountId: string, token: string): SessionTokenRecord | undefined {
    const record = this.tokens.get(token);
    return record?.accountId === accountId ? record : undefined;
  }

  delete(token: string): void {
    this.tokens.delete(token);
  }

  clear(): void {
    this.tokens.clear();
  }
}
