// What the renewal runner is built from: one object per worker process, made by its composition
// root. Nothing here is global.
import type { Logger } from 'pino';
import type { ChargeOutcomeClass } from '../domain/decline-classification.js';
import type { Clock } from '../domain/index.js';
import type { TokenPaymentsGateway } from '../klarna/port.js';
import type { Db } from '../store/db.js';
import type { PipelinedTransactions } from '../store/pipelined-transaction.js';
import type { Vault } from '../vault/vault.js';
import type { AccountThrottle } from './account-throttle.js';

export interface RenewalDeps {
  readonly db: Db;
  /** The runner's two transactions per charge (plain pg, pipelined: the hot path). */
  readonly transactions: Pick<PipelinedTransactions, 'run'>;
  readonly clock: Clock;
  readonly gateway: TokenPaymentsGateway;
  readonly vault: Vault;
  readonly log: Logger;
  /** Shared by every worker: a Klarna account that answered 429 waits, other merchants do not. */
  readonly throttle: AccountThrottle;
  /** Waits between in-job re-sends of the same attempt (injected so tests need not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
  /** In-job re-sends of an attempt whose outcome is unknown, before the job hands it back to the sweep. */
  readonly resendDelaysMs: readonly number[];
  /** Told of each charge outcome once it is recorded (metrics: declines by reason). */
  readonly observer?: RenewalObserver;
}

export interface RenewalObserver {
  settled(outcome: ChargeOutcomeClass): void;
}
