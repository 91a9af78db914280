// Customer tokens (CONTRACT.md §11): bound to one partner account, ACTIVE until revoked, never expire.
import { newCustomerToken } from '../ids.js';

export const SCOPES = ['payment:customer_present', 'payment:customer_not_present'] as const;
export type Scope = (typeof SCOPES)[number];
export type CustomerTokenState = 'ACTIVE' | 'REVOKED';

export interface CustomerTokenRecord {
  token: string;
  accountId: string;
  reference: string | undefined;
  scopes: Scope[];
  state: CustomerTokenState;
  createdAt: number;
  revokedAt: number | undefined;
  lastUsedAt: number | undefined;
}

/** The nested token shape of authorize responses and webhooks ([S3], CONTRACT.md §7). */
export interface TokenView {
  customer_token: string;
  customer_token_reference?: string;
  scopes: Scope[];
}

/** SIM-ONLY introspection shape (no such Klarna endpoint exists). */
export interface TokenSimView extends TokenView {
  account_id: string;
  state: CustomerTokenRecord['state'];
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export function customerTokenView(t: CustomerTokenRecord): TokenView {
  return {
    customer_token: t.token,
    ...(t.reference !== undefined && { customer_token_reference: t.reference }),
    scopes: [...t.scopes],
  };
}

export function customerTokenSimView(t: CustomerTokenRecord): TokenSimView {
  return {
    ...customerTokenView(t),
    account_id: t.accountId,
    state: t.state,
    created_at: new Date(t.createdAt).toISOString(),
    revoked_at: t.revokedAt === undefined ? null : new Date(t.revokedAt).toISOString(),
    last_used_at: t.lastUsedAt === undefined ? null : new Date(t.lastUsedAt).toISOString(),
  };
}

export class CustomerTokenStore {
  private readonly tokens = new Map<string, CustomerTokenRecord>();

  issue(input: {
    accountId: string;
    scopes: readonly Scope[];
    reference: string | undefined;
    now: number;
  }): CustomerTokenRecord {
    const record: CustomerTokenRecord = {
      token: newCustomerToken(),
      accountId: input.accountId,
      reference: input.reference,
      scopes: [...new Set(input.scopes)],
      state: 'ACTIVE',
      createdAt: input.now,
      revokedAt: undefined,
      lastUsedAt: undefined,
    };
    this.tokens.set(record.token, record);
    return record;
  }

  get(token: string): CustomerTokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Every token issued since the last reset, oldest first (SIM-ONLY listing). */
  all(): CustomerTokenRecord[] {
    return [...this.tokens.values()];
  }

  /** The token if it belongs to `accountId`; tokens of other accounts are unknown here ([S0]). */
  forAccount(accountId: string, token: string): CustomerTokenRecord | undefined {
    const record = this.tokens.get(token);
    return record?.accountId === accountId ? record : undefined;
  }

  /** REVOKED is final; revoking twice is harmless. */
  revoke(token: string, now: number): CustomerTokenRecord | undefined {
    const record = this.tokens.get(token);
    if (record && record.state === 'ACTIVE') {
      record.state = 'REVOKED';
      record.revokedAt = now;
    }
    return record;
  }

  clear(): void {
    this.tokens.clear();
  }
}
