// Replacing a subscription's customer token through a new Klarna journey, as pure decisions:
// whether one may start, and what the subscription becomes when the journey issues the token.
//
//   start     TRIALING, ACTIVE, PAST_DUE, PAUSED: allowed. PENDING_TOKENIZATION (its own journey
//             runs), UNPAID (billing gave up), CANCELED, INCOMPLETE_EXPIRED: refused
//   issued    the domain's TOKEN_REPLACED: the new token is the one charged, requiresNewToken
//             cleared. PAST_DUE: the open period is retried at once (nextRetryAt = now, the next
//             action recomputed, so the renewal engine's DUNNING_RETRY charges the new token);
//             every other status keeps its next action. An ended subscription only records it.
import {
  nextAction,
  transitionSubscription,
  type NextAction,
  type SubscriptionStatus,
} from '../domain/index.js';
import { domainState, type LifecycleRow } from './decide.js';

const REPLACEABLE: readonly SubscriptionStatus[] = ['TRIALING', 'ACTIVE', 'PAST_DUE', 'PAUSED'];

const REFUSALS: Partial<Record<SubscriptionStatus, string>> = {
  PENDING_TOKENIZATION: 'the signup journey is still running; it issues the first token',
  UNPAID: 'billing gave up on this subscription; start a new one',
  CANCELED: 'the subscription has ended',
  INCOMPLETE_EXPIRED: 'the subscription never started',
};

export type ReplacementStart =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'refused'; readonly status: SubscriptionStatus; readonly reason: string };

export function decideReplacementStart(status: SubscriptionStatus): ReplacementStart {
  if (REPLACEABLE.includes(status)) return { kind: 'allowed' };
  return { kind: 'refused', status, reason: REFUSALS[status] ?? 'not allowed in this status' };
}

export interface TokenSwap {
  readonly tokenId: string;
  readonly requiresNewToken: false;
  readonly nextRetryAt: Date | null;
  readonly next: NextAction | null;
  /** The open period is charged again now (PAST_DUE only). */
  readonly retryNow: boolean;
}

export type TokenSwapDecision =
  | { readonly kind: 'swap'; readonly swap: TokenSwap }
  /** The subscription can no longer take a token (it ended, or gave up, while the journey ran). */
  | { readonly kind: 'unused'; readonly reason: string }
  /** The new token is already the current, usable one (a redelivered completion). */
  | { readonly kind: 'noop' };

export function decideTokenSwap(row: LifecycleRow, tokenId: string, now: Date): TokenSwapDecision {
  const start = decideReplacementStart(row.status);
  if (start.kind === 'refused') return { kind: 'unused', reason: start.reason };
  const state = domainState(row);
  if (transitionSubscription(state, { type: 'TOKEN_REPLACED', tokenId }) === state) return { kind: 'noop' };
  const retryNow = row.status === 'PAST_DUE' && row.graceEndsAt !== null;
  if (!retryNow) {
    const kept =
      row.nextActionKind === null || row.nextActionAt === null
        ? null
        : { kind: row.nextActionKind, at: row.nextActionAt };
    return {
      kind: 'swap',
      swap: { tokenId, requiresNewToken: false, nextRetryAt: row.nextRetryAt, next: kept, retryNow },
    };
  }
  const next = nextAction({
    status: row.status,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    pauseAtPeriodEnd: row.pauseAtPeriodEnd,
    trialEndsAt: row.trialEndsAt,
    currentPeriodEnd: row.currentPeriodEnd,
    signup: { kind: 'NONE' },
    dunning: { nextRetryAt: now, graceEndsAt: row.graceEndsAt ?? now },
  });
  return { kind: 'swap', swap: { tokenId, requiresNewToken: false, nextRetryAt: now, next, retryNow } };
}
