// What each demo customer does, decided up front from the seed: how the signup ends, and at most
// one scripted event afterwards. Shares are quotas rather than coin flips, so even a short run
// shows every kind of event.
import { seededRandom } from './random.js';

export type PlanKey = 'basic' | 'pro';
export type SignupEnd = 'APPROVE' | 'DECLINE' | 'ABANDON';

/** Things that happen at the start of a simulated month (1-based). */
export type CustomerEvent =
  /** The month's renewal is declined once; the first dunning retry gets it paid. */
  | { readonly kind: 'DECLINE_RECOVERED'; readonly month: number }
  /** The month's renewal is declined on every attempt: dunning gives up and cancels. */
  | { readonly kind: 'DECLINE_UNRECOVERED'; readonly month: number }
  | { readonly kind: 'CANCEL'; readonly month: number; readonly mode: 'IMMEDIATELY' | 'AT_PERIOD_END' }
  /** Paused from the end of the paid period; resumed `resumeMonth` (null: stays paused). */
  | { readonly kind: 'PAUSE'; readonly month: number; readonly resumeMonth: number | null }
  /** The last charge is refunded, all of it or half. */
  | { readonly kind: 'REFUND'; readonly month: number; readonly part: 'ALL' | 'HALF' };

export type EventKind = CustomerEvent['kind'];

export interface CustomerScript {
  readonly index: number;
  readonly plan: PlanKey;
  readonly signup: SignupEnd;
  readonly event: CustomerEvent | null;
}

const SIGNUP_SHARES: Readonly<Record<Exclude<SignupEnd, 'APPROVE'>, number>> = {
  DECLINE: 0.08,
  ABANDON: 0.08,
};
const EVENT_SHARES: Readonly<Record<EventKind, number>> = {
  DECLINE_RECOVERED: 0.1,
  DECLINE_UNRECOVERED: 0.04,
  CANCEL: 0.08,
  PAUSE: 0.06,
  REFUND: 0.06,
};

export function scriptCustomers(seed: number, customers: number, months: number): CustomerScript[] {
  const random = seededRandom(seed);
  const order = random.shuffle(Array.from({ length: customers }, (_, i) => i));
  const signups = new Map<number, SignupEnd>();
  let at = 0;
  for (const [end, share] of Object.entries(SIGNUP_SHARES) as [SignupEnd, number][]) {
    for (const index of order.slice(at, (at += quota(share, customers)))) signups.set(index, end);
  }
  const approved = order.slice(at);
  const events = new Map<number, CustomerEvent>();
  let next = 0;
  for (const [kind, share] of Object.entries(EVENT_SHARES) as [EventKind, number][]) {
    for (const index of approved.slice(next, (next += quota(share, approved.length)))) {
      events.set(index, eventOf(kind, months, random.between.bind(random)));
    }
  }
  return Array.from({ length: customers }, (_, index) => ({
    index,
    plan: random.next() < 0.6 ? 'basic' : 'pro',
    signup: signups.get(index) ?? 'APPROVE',
    event: events.get(index) ?? null,
  }));
}

/** At least one of each, when there are customers enough. */
function quota(share: number, of: number): number {
  return Math.min(of, Math.max(1, Math.round(share * of)));
}

function eventOf(
  kind: EventKind,
  months: number,
  between: (min: number, max: number) => number,
): CustomerEvent {
  // A failed renewal takes about two weeks of dunning to end in a cancellation: not the last month.
  const early = between(1, Math.max(1, months - 1));
  switch (kind) {
    case 'DECLINE_RECOVERED':
      return { kind, month: between(1, months) };
    case 'DECLINE_UNRECOVERED':
      return { kind, month: early };
    case 'CANCEL':
      return { kind, month: between(1, months), mode: between(0, 1) === 0 ? 'IMMEDIATELY' : 'AT_PERIOD_END' };
    case 'PAUSE':
      return { kind, month: early, resumeMonth: early + 2 <= months ? early + 2 : null };
    case 'REFUND':
      return { kind, month: between(1, months), part: between(0, 1) === 0 ? 'ALL' : 'HALF' };
  }
}
