// The SimClock's timer queue against a plain sorted-array model (pure, fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue, type QueuedTimer } from './timer-queue.js';

type Op = { kind: 'push'; dueAt: number } | { kind: 'cancel'; pick: number } | { kind: 'pop'; now: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), dueAt: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 50 }) }),
);

describe('TimerQueue', () => {
  it('property: pops exactly the due, uncancelled timers in (dueAt, seq) order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'large' }), (ops) => {
        const queue = new TimerQueue<QueuedTimer>();
        let model: QueuedTimer[] = [];
        const all: QueuedTimer[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const t = { dueAt: o.dueAt, seq: seq++, cancelled: false };
            all.push(t);
            queue.push(t);
            model.push(t);
          } else if (o.kind === 'cancel') {
            const t = all[o.pick % Math.max(all.length, 1)];
            if (t === undefined) continue;
            queue.cancel(t); // also on fired or already cancelled timers: a no-op
            model = model.filter((m) => m !== t);
          } else {
            const expected = model
              .filter((m) => m.dueAt <= o.now)
              .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
            const got: QueuedTimer[] = [];
            for (let t = queue.popDue(o.now); t; t = queue.popDue(o.now)) got.push(t);
            expect(got).toEqual(expected);
            model = model.filter((m) => !expected.includes(m));
          }
          expect(queue.size).toBe(model.length);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('sweeps cancelled timers once they are most of the heap', () => {
    const queue = new TimerQueue<QueuedTimer>();
    const timers = Array.from({ length: 5000 }, (_, i) => ({ dueAt: i, seq: i, cancelled: false }));
    for (const t of timers) queue.push(t);
    for (const t of timers.slice(0, 4000)) queue.cancel(t);
    expect(queue.size).toBe(1000);
    expect(queue.popDue(10_000)?.dueAt).toBe(4000);
  });

  it('clear() forgets everything; later cancels are harmless', () => {
    const queue = new TimerQueue<QueuedTimer>();
    const t = { dueAt: 1, seq: 0, cancelled: false };
    queue.push(t);
    queue.clear();
    queue.cancel(t);
    expect(queue.size).toBe(0);
    expect(queue.popDue(10)).toBeUndefined();
  });
});
