// What the operators' dashboard is built from: the api role's database, clocks, money job and
// BullMQ queues (the same objects the role enqueues with, so bull-board sees the `{prefix}` keys).
import type { Queue } from 'bullmq';
import type { Clock } from '../domain/clock.js';
import type { MoneyDeps } from '../money/deps.js';
import type { Db } from '../store/db.js';

export interface DashboardOptions {
  /** How long a session lasts after sign-in. */
  readonly sessionTtlMs: number;
  /** Mark cookies Secure: the dashboard is served over https. */
  readonly secureCookies: boolean;
  /** How long a "retry now" job holds its retry before a sweep may enqueue it again (the scheduler's lease). */
  readonly retryLeaseMs: number;
}

export const DEFAULT_DASHBOARD_OPTIONS: DashboardOptions = Object.freeze({
  sessionTtlMs: 8 * 3_600_000,
  secureCookies: false,
  retryLeaseMs: 300_000,
});

export interface DashboardDeps {
  readonly db: Db;
  /** Billing time (virtual in tests and demos): what actions write, what pages count from. */
  readonly clock: Clock;
  /** Wall time for sessions and sign-in throttling, which a virtual clock must not expire. */
  readonly sessionClock: Clock;
  readonly money: MoneyDeps | undefined;
  /** Every Rebill queue, shown in bull-board; empty: bull-board is not mounted. */
  readonly queues: readonly Queue[];
  readonly options: DashboardOptions;
}
