import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaymentRequestState } from '../events.js';
import { stateChangeEventType, transition, type PaymentRequestEvent } from './state-machine.js';

const STATES: PaymentRequestState[] = [
  'SUBMITTED',
  'IN_PROGRESS',
  'COMPLETED',
  'EXPIRED',
  'CANCELED',
  'DECLINED',
];
const EVENTS: PaymentRequestEvent[] = ['enter', 'complete', 'decline', 'abort', 'cancel', 'expire'];

// Every (state, event) pair: the expected next state, 'same' for a harmless repeat, '-' for forbidden.
const TABLE: Record<PaymentRequestState, Record<PaymentRequestEvent, string>> = {
  SUBMITTED: {
    enter: 'IN_PROGRESS',
    complete: '-',
    decline: '-',
    abort: '-',
    cancel: 'CANCELED',
    expire: 'EXPIRED',
  },
  IN_PROGRESS: {
    enter: 'same',
    complete: 'COMPLETED',
    decline: 'DECLINED',
    abort: 'SUBMITTED',
    cancel: 'CANCELED',
    expire: 'EXPIRED',
  },
  COMPLETED: { enter: '-', complete: '-', decline: '-', abort: '-', cancel: 'CANCELED', expire: '-' },
  EXPIRED: { enter: '-', complete: '-', decline: '-', abort: '-', cancel: '-', expire: '-' },
  CANCELED: { enter: '-', complete: '-', decline: '-', abort: '-', cancel: '-', expire: '-' },
  DECLINED: { enter: '-', complete: '-', decline: '-', abort: '-', cancel: '-', expire: '-' },
};

describe('payment request state machine', () => {
  const cases = STATES.flatMap((s) => EVENTS.map((e) => [s, e, TABLE[s][e]] as const));
  it.each(cases)('%s + %s -> %s', (from, event, expected) => {
    const next = transition(from, event, { finalized: false });
    if (expected === '-') expect(next).toBeUndefined();
    else if (expected === 'same') expect(next).toBe('unchanged');
    else expect(next).toMatchObject({ to: expected });
  });

  it('sets the reasons of §13', () => {
    expect(transition('IN_PROGRESS', 'abort', { finalized: false })).toEqual({
      to: 'SUBMITTED',
      reason: 'PURCHASE_FLOW_ABORTED',
    });
    expect(transition('SUBMITTED', 'cancel', { finalized: false })).toEqual({
      to: 'CANCELED',
      reason: 'PARTNER_CANCELED',
    });
    expect(transition('IN_PROGRESS', 'decline', { finalized: false })).toEqual({
      to: 'DECLINED',
      reason: 'PERMANENT',
    });
    expect(
      transition('IN_PROGRESS', 'decline', { finalized: false, declineReason: 'CUSTOMER_ACTION_REQUIRED' }),
    ).toEqual({ to: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' });
  });

  it('a finalized COMPLETED request cannot be cancelled', () => {
    expect(transition('COMPLETED', 'cancel', { finalized: true })).toBeUndefined();
  });

  it('names event types as in §10.3', () => {
    expect(STATES.map(stateChangeEventType)).toEqual([
      'payment.request.state-change.submitted',
      'payment.request.state-change.in-progress',
      'payment.request.state-change.completed',
      'payment.request.state-change.expired',
      'payment.request.state-change.canceled',
      'payment.request.state-change.declined',
    ]);
  });

  it('property: from any event sequence, final states only ever change COMPLETED -> CANCELED before finalize', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...EVENTS), { maxLength: 30 }),
        fc.boolean(),
        (events, finalized) => {
          let state: PaymentRequestState = 'SUBMITTED';
          const seen: PaymentRequestState[] = [state];
          for (const event of events) {
            const next = transition(state, event, { finalized });
            if (next === undefined || next === 'unchanged') continue;
            if (state === 'COMPLETED') expect([next.to, finalized]).toEqual(['CANCELED', false]);
            else expect(['EXPIRED', 'CANCELED', 'DECLINED']).not.toContain(state);
            if (next.to === 'DECLINED' || next.to === 'COMPLETED') expect(state).toBe('IN_PROGRESS');
            state = next.to;
            seen.push(state);
          }
          // At most one final state is ever entered, except the COMPLETED -> CANCELED step.
          const finals = seen.filter((s) => s !== 'SUBMITTED' && s !== 'IN_PROGRESS');
          expect(finals.length).toBeLessThanOrEqual(2);
        },
      ),
    );
  });
});
