import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore, isStorable } from './store.js';

function store(maxKeys = 1000) {
  let now = 1_000_000;
  const s = new IdempotencyStore({ now: () => now, maxKeys });
  return { s, advance: (ms: number) => (now += ms) };
}
const result = (status: number, body = `{"n":${status}}`) => ({
  status,
  body,
  contentType: 'application/json',
});

describe('IdempotencyStore', () => {
  it('executes, then replays the first result; in flight in between', () => {
    const { s } = store();
    const first = s.begin('k', 'h1');
    expect(first.kind).toBe('execute');
    expect(s.begin('k', 'h1')).toEqual({ kind: 'in_flight' });
    if (first.kind === 'execute') s.complete(first.ticket, result(200));
    expect(s.begin('k', 'h2')).toEqual({ kind: 'replay', result: result(200), bodyDiffers: true });
    expect(s.begin('k', 'h1')).toMatchObject({ kind: 'replay', bodyDiffers: false });
  });

  it('forgets abandoned executions and expires results after 24 h', () => {
    const { s, advance } = store();
    const a = s.begin('k', 'h');
    if (a.kind === 'execute') s.abandon(a.ticket);
    const b = s.begin('k', 'h');
    expect(b.kind).toBe('execute');
    if (b.kind === 'execute') s.complete(b.ticket, result(201));
    advance(IDEMPOTENCY_TTL_MS - 1);
    expect(s.begin('k', 'h').kind).toBe('replay');
    advance(1);
    expect(s.begin('k', 'h').kind).toBe('execute');
  });

  it('a ticket from before clear() cannot store', () => {
    const { s } = store();
    const a = s.begin('k', 'h');
    s.clear();
    if (a.kind === 'execute') s.complete(a.ticket, result(200));
    expect(s.begin('k', 'h').kind).toBe('execute');
  });

  it('bounds memory: the oldest results go first', () => {
    const { s } = store(100);
    for (let i = 0; i < 150; i++) {
      const b = s.begin(`k${i}`, 'h');
      if (b.kind === 'execute') s.complete(b.ticket, result(200));
    }
    expect(s.size).toBeLessThanOrEqual(101);
    expect(s.begin('k149', 'h').kind).toBe('replay');
    expect(s.begin('k0', 'h').kind).toBe('execute');
  });

  it.each([
    [200, true],
    [201, true],
    [400, true],
    [404, true],
    [409, true],
    [429, false],
    [500, false],
    [503, false],
  ])('status %d storable: %s', (status, storable) => expect(isStorable(status)).toBe(storable));

  it('property: whatever the interleaving, a key replays the first stored result until it expires', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      status: fc.constantFrom(200, 400, 429, 500, 503),
      advanceMs: fc.constantFrom(0, 60_000, 3_600_000, 12 * 3_600_000),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const { s, advance } = store();
        const model = new Map<string, { status: number; at: number }>();
        let now = 0;
        for (const o of ops) {
          advance(o.advanceMs);
          now += o.advanceMs;
          const expected = model.get(o.key);
          const begun = s.begin(o.key, 'h');
          if (expected && now - expected.at < IDEMPOTENCY_TTL_MS) {
            expect(begun).toMatchObject({ kind: 'replay', result: { status: expected.status } });
            continue;
          }
          expect(begun.kind).toBe('execute');
          if (begun.kind !== 'execute') continue;
          if (isStorable(o.status)) {
            s.complete(begun.ticket, result(o.status));
            model.set(o.key, { status: o.status, at: now });
          } else {
            s.abandon(begun.ticket);
            model.delete(o.key);
          }
        }
      }),
    );
  });
});
