import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isFinalPaymentRequestState,
  paymentRequestFactEffect,
  type KlarnaPaymentRequestState,
  type PaymentRequestFact,
  type RecordedPaymentRequest,
} from './payment-request-state.js';

const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s));

function record(recorded: RecordedPaymentRequest, fact: PaymentRequestFact): RecordedPaymentRequest {
  const effect = paymentRequestFactEffect(recorded, fact);
  return effect.kind === 'APPLY' ? { state: fact.state, stateChangedAt: fact.occurredAt } : recorded;
}

describe('paymentRequestFactEffect', () => {
  it.each<[string, RecordedPaymentRequest, PaymentRequestFact, string]>([
    ['first fact replaces CREATING', { state: 'CREATING', stateChangedAt: null }, { state: 'SUBMITTED', occurredAt: t(1) }, 'APPLY'],
    ['newer open state', { state: 'SUBMITTED', stateChangedAt: t(1) }, { state: 'IN_PROGRESS', occurredAt: t(2) }, 'APPLY'],
    ['customer left the journey', { state: 'IN_PROGRESS', stateChangedAt: t(2) }, { state: 'SUBMITTED', occurredAt: t(3) }, 'APPLY'],
    ['older open state', { state: 'IN_PROGRESS', stateChangedAt: t(2) }, { state: 'SUBMITTED', occurredAt: t(1) }, 'IGNORE STALE'],
    ['duplicate open state', { state: 'IN_PROGRESS', stateChangedAt: t(2) }, { state: 'IN_PROGRESS', occurredAt: t(2) }, 'IGNORE DUPLICATE'],
    ['final state over an open one, even if older', { state: 'IN_PROGRESS', stateChangedAt: t(5) }, { state: 'COMPLETED', occurredAt: t(4) }, 'APPLY final'],
    ['duplicate final state', { state: 'COMPLETED', stateChangedAt: t(4) }, { state: 'COMPLETED', occurredAt: t(4) }, 'IGNORE DUPLICATE'],
    ['open state after final', { state: 'COMPLETED', stateChangedAt: t(4) }, { state: 'IN_PROGRESS', occurredAt: t(9) }, 'IGNORE ALREADY_FINAL'],
    ['late declined after completed (§8.1)', { state: 'COMPLETED', stateChangedAt: t(4) }, { state: 'DECLINED', occurredAt: t(9) }, 'IGNORE ALREADY_FINAL'],
    ['canceled after completed', { state: 'COMPLETED', stateChangedAt: t(4) }, { state: 'CANCELED', occurredAt: t(9) }, 'IGNORE ALREADY_FINAL'],
  ])('%s', (_name, recorded, fact, expected) => {
    const effect = paymentRequestFactEffect(recorded, fact);
    const text = effect.kind === 'APPLY' ? `APPLY${effect.entersFinal ? ' final' : ''}` : `IGNORE ${effect.why}`;
    expect(text).toBe(expected);
  }); // prettier-ignore

  // Klarna's possible histories (§8.1): open steps, then at most one final state.
  const history = fc
    .tuple(
      fc.array(fc.constantFrom<KlarnaPaymentRequestState>('SUBMITTED', 'IN_PROGRESS'), { maxLength: 5 }),
      fc.option(fc.constantFrom<KlarnaPaymentRequestState>('COMPLETED', 'EXPIRED', 'CANCELED', 'DECLINED')),
    )
    .map(([open, final]) =>
      ['SUBMITTED' as KlarnaPaymentRequestState, ...open, ...(final === null ? [] : [final])].map(
        (state, i): PaymentRequestFact => ({ state, occurredAt: t(i) }),
      ),
    );

  it('converges on Klarna latest state whatever order and duplicates the facts arrive in (property)', () => {
    fc.assert(
      fc.property(
        history.chain((facts) =>
          fc.tuple(
            fc.constant(facts),
            fc.shuffledSubarray([...facts, ...facts], { minLength: facts.length * 2 }),
          ),
        ),
        ([facts, delivered]) => {
          const latest = facts.at(-1);
          let recorded: RecordedPaymentRequest = { state: 'CREATING', stateChangedAt: null };
          let entries = 0;
          for (const fact of delivered) {
            const effect = paymentRequestFactEffect(recorded, fact);
            if (effect.kind === 'APPLY' && effect.entersFinal) entries += 1;
            recorded = record(recorded, fact);
          }
          expect(recorded.state).toBe(latest?.state);
          // The journey's end is applied exactly once, however often it is delivered.
          expect(entries).toBe(latest !== undefined && isFinalPaymentRequestState(latest.state) ? 1 : 0);
        },
      ),
    );
  });
});
