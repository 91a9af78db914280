// What a charge's money job is built from: one object per process, made by its composition root.
import type { Logger } from 'pino';
import type { Clock } from '../domain/index.js';
import type { PaymentTransactionsGateway } from '../klarna/money-port.js';
import type { AccountThrottle } from '../renewal/account-throttle.js';
import type { Db } from '../store/db.js';

export interface MoneyDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly payments: PaymentTransactionsGateway;
  readonly log: Logger;
  /** The Klarna accounts that answered 429, shared with the renewal runner: one limit per account. */
  readonly throttle: AccountThrottle;
  /** Waits between in-job re-sends with the same key (injected so tests need not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
  /** In-job re-sends of an operation whose outcome is unknown, before the sweep takes it back. */
  readonly resendDelaysMs: readonly number[];
}
