// What the signup services are built from. One object per process, made by the role's
// composition root; nothing here is global.
import type { Logger } from 'pino';
import type { Clock } from '../domain/index.js';
import type { TokenPaymentsGateway } from '../klarna/port.js';
import type { RunNextActionPayload } from '../queue/catalog.js';
import type { Db } from '../store/db.js';
import type { Vault } from '../vault/vault.js';

export interface SignupDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: TokenPaymentsGateway;
  readonly vault: Vault;
  readonly log: Logger;
  /** How long the customer has for the journey (Klarna's interaction_expiry), ISO-8601 and ms. */
  readonly interactionExpiry: { readonly iso: string; readonly ms: number };
  /**
   * Enqueues a next-action job whose lease the caller took in its committed transaction (the
   * fast path: a finalize runs right after the journey completes, not at the next sweep).
   */
  readonly enqueueNextAction: (payload: RunNextActionPayload, leaseUntil: Date) => Promise<void>;
  /** Waits between in-request retries of a Klarna call (injected so tests need not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
}
