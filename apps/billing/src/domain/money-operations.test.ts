import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  captureDueAt,
  decideRefund,
  decideVoid,
  DAY_MS,
  MAX_CAPTURE_DELAY_SECONDS,
  nextMoneyStep,
  shouldReadAfter,
  unknownOutcomeDelayMs,
  type ChargeMoney,
} from './money-operations.js';

const T = (iso: string) => new Date(iso);
const AUTH = T('2026-03-01T10:00:00Z');
const EXPIRES = new Date(AUTH.getTime() + 28 * DAY_MS);

const authorized: ChargeMoney = {
  state: 'AUTHORIZED',
  amountMinor: 1_000,
  capturedMinor: 0,
  refundedMinor: 0,
  releasedMinor: 0,
  captureDueAt: new Date(AUTH.getTime() + 3 * DAY_MS),
  expiresAt: EXPIRES,
  voidRequested: false,
  readRequested: false,
  expiryAlerted: false,
  openCapture: null,
  openVoid: null,
  openRefunds: [],
};
const completed: ChargeMoney = {
  ...authorized,
  state: 'COMPLETED',
  capturedMinor: 1_000,
  captureDueAt: null,
};
const op = (id: string, sendCount = 1) => ({ id, sendCount, lastSentAt: AUTH });

describe('captureDueAt', () => {
  it.each<[string, number, Date | null, string]>([
    ['the delay after authorization', 3 * 86_400, EXPIRES, '2026-03-04T10:00:00.000Z'],
    ['no delay: at once', 0, EXPIRES, '2026-03-01T10:00:00.000Z'],
    ['clamped to a day before expiry', 27 * 86_400 + 3_600, EXPIRES, '2026-03-28T10:00:00.000Z'],
    [
      'an expiry closer than a day: at once',
      86_400,
      new Date(AUTH.getTime() + 3_600_000),
      '2026-03-01T10:00:00.000Z',
    ],
    ['no expiry known: the delay', 40 * 86_400, null, '2026-04-10T10:00:00.000Z'],
  ])('%s', (_name, delay, expiresAt, due) => {
    expect(captureDueAt(AUTH, expiresAt, delay).toISOString()).toBe(due);
  });

  it('is never before authorization, nor later than a day before expiry (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_CAPTURE_DELAY_SECONDS * 2 }),
        fc.integer({ min: 0, max: 60 * DAY_MS }),
        (delay, lifetime) => {
          const expiresAt = new Date(AUTH.getTime() + lifetime);
          const due = captureDueAt(AUTH, expiresAt, delay).getTime();
          expect(due).toBeGreaterThanOrEqual(AUTH.getTime());
          if (lifetime >= DAY_MS) expect(due).toBeLessThanOrEqual(expiresAt.getTime() - DAY_MS);
          expect(due).toBeLessThanOrEqual(AUTH.getTime() + delay * 1000);
        },
      ),
    );
  });
});

describe('nextMoneyStep', () => {
  const at = (iso: string) => T(iso);
  it.each<[string, ChargeMoney, string, unknown]>([
    [
      'not due yet: idle until the capture time',
      authorized,
      '2026-03-02T00:00:00Z',
      { kind: 'IDLE', nextAt: authorized.captureDueAt },
    ],
    [
      'due: capture the whole remainder, a new row',
      authorized,
      '2026-03-04T10:00:00Z',
      { kind: 'SEND_CAPTURE', captureId: null, amountMinor: 1_000 },
    ],
    [
      'an open capture is re-sent (its key)',
      { ...authorized, openCapture: op('c1') },
      '2026-03-02T00:00:00Z',
      { kind: 'SEND_CAPTURE', captureId: 'c1', amountMinor: 1_000 },
    ],
    [
      'a read asked for comes first',
      { ...authorized, readRequested: true, openCapture: op('c1') },
      '2026-03-05T00:00:00Z',
      { kind: 'READ' },
    ],
    [
      'open refunds before anything else, oldest first',
      { ...completed, openRefunds: [op('r1'), op('r2')] },
      '2026-03-05T00:00:00Z',
      { kind: 'SEND_REFUND', refundId: 'r1' },
    ],
    [
      'a void asked for: a new void row, no capture',
      { ...authorized, voidRequested: true },
      '2026-03-05T00:00:00Z',
      { kind: 'SEND_VOID', voidId: null },
    ],
    [
      'an open void is re-sent',
      { ...authorized, voidRequested: true, openVoid: op('v1') },
      '2026-03-05T00:00:00Z',
      { kind: 'SEND_VOID', voidId: 'v1' },
    ],
    [
      'a void asked for on an expired authorization still releases it',
      { ...authorized, state: 'EXPIRED', voidRequested: true },
      '2026-04-05T00:00:00Z',
      { kind: 'SEND_VOID', voidId: null },
    ],
    [
      'voided already: idle',
      { ...authorized, state: 'CLOSED', releasedMinor: 1_000, voidRequested: true },
      '2026-03-05T00:00:00Z',
      { kind: 'IDLE', nextAt: null },
    ],
    ['completed: idle', completed, '2026-03-05T00:00:00Z', { kind: 'IDLE', nextAt: null }],
    [
      'expired uncaptured: idle (nothing can be captured)',
      { ...authorized, state: 'EXPIRED' },
      '2026-04-05T00:00:00Z',
      { kind: 'IDLE', nextAt: null },
    ],
    [
      'a day before expiry, uncaptured: alert first',
      { ...authorized, captureDueAt: EXPIRES },
      '2026-03-28T10:00:00Z',
      { kind: 'ALERT_EXPIRY' },
    ],
    [
      'alerted already: capture',
      { ...authorized, expiryAlerted: true },
      '2026-03-28T10:00:00Z',
      { kind: 'SEND_CAPTURE', captureId: null, amountMinor: 1_000 },
    ],
    [
      'a partial capture leaves the rest to capture',
      { ...authorized, capturedMinor: 400 },
      '2026-03-04T10:00:00Z',
      { kind: 'SEND_CAPTURE', captureId: null, amountMinor: 600 },
    ],
  ])('%s', (_name, charge, now, step) => {
    expect(nextMoneyStep(charge, at(now))).toEqual(step);
  });

  it('never captures a charge whose void was asked for, nor one not AUTHORIZED (property)', () => {
    const states = fc.constantFrom('AUTHORIZED', 'COMPLETED', 'EXPIRED', 'CLOSED' as const);
    fc.assert(
      fc.property(
        states,
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 60 }),
        (state, voidRequested, alerted, day) => {
          const charge: ChargeMoney = { ...authorized, state, voidRequested, expiryAlerted: alerted };
          const step = nextMoneyStep(charge, new Date(AUTH.getTime() + day * DAY_MS));
          if (step.kind === 'SEND_CAPTURE') {
            expect(state).toBe('AUTHORIZED');
            expect(voidRequested).toBe(false);
          }
        },
      ),
    );
  });
});

describe('decideRefund', () => {
  it.each<[string, Pick<ChargeMoney, 'state' | 'capturedMinor'>, number, number | undefined, unknown]>([
    ['all that is refundable by default', completed, 0, undefined, { kind: 'REFUND', amountMinor: 1_000 }],
    ['a part', completed, 0, 250, { kind: 'REFUND', amountMinor: 250 }],
    ['the rest after a refund', completed, 250, 750, { kind: 'REFUND', amountMinor: 750 }],
    [
      'more than is left',
      completed,
      250,
      751,
      { kind: 'REJECTED', problem: 'AMOUNT_EXCEEDS_REFUNDABLE', refundableMinor: 750 },
    ],
    [
      'nothing left',
      completed,
      1_000,
      undefined,
      { kind: 'REJECTED', problem: 'AMOUNT_EXCEEDS_REFUNDABLE', refundableMinor: 0 },
    ],
    [
      'not captured',
      authorized,
      0,
      100,
      { kind: 'REJECTED', problem: 'CHARGE_NOT_CAPTURED', refundableMinor: 0 },
    ],
    [
      'closed',
      { state: 'CLOSED', capturedMinor: 1_000 },
      0,
      100,
      { kind: 'REJECTED', problem: 'CHARGE_CLOSED', refundableMinor: 1_000 },
    ],
    [
      'a partially captured authorization refunds what was captured',
      { state: 'AUTHORIZED', capturedMinor: 400 },
      0,
      400,
      { kind: 'REFUND', amountMinor: 400 },
    ],
  ])('%s', (_name, charge, reserved, requested, decision) => {
    expect(decideRefund(charge, reserved, requested)).toEqual(decision);
  });

  it('refunds never add up to more than was captured (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 5_000 })),
        (captured, asks) => {
          let reserved = 0;
          for (const ask of asks) {
            const d = decideRefund({ state: 'COMPLETED', capturedMinor: captured }, reserved, ask);
            if (d.kind === 'REFUND') reserved += d.amountMinor;
          }
          expect(reserved).toBeLessThanOrEqual(captured);
        },
      ),
    );
  });
});

describe('decideVoid', () => {
  it.each<[string, ChargeMoney, string]>([
    ['an uncaptured authorization', authorized, 'VOID'],
    ['an expired one', { ...authorized, state: 'EXPIRED' }, 'VOID'],
    ['a partly captured one (the rest is released)', { ...authorized, capturedMinor: 300 }, 'VOID'],
    ['a completed one', completed, 'REJECTED'],
    ['a closed one', { ...authorized, state: 'CLOSED' }, 'REJECTED'],
  ])('%s', (_name, charge, kind) => {
    expect(decideVoid(charge).kind).toBe(kind);
  });
});

describe('unknown outcomes', () => {
  it('wait longer after each send, and read every third', () => {
    expect([1, 2, 3, 4, 9].map(unknownOutcomeDelayMs)).toEqual([
      60_000, 300_000, 900_000, 3_600_000, 3_600_000,
    ]);
    expect([0, 1, 2, 3, 4, 5, 6].map(shouldReadAfter)).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
  });
});
