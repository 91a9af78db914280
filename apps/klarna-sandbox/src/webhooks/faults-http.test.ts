// SIM-ONLY webhook faults over real HTTP: duplicates, reordering, delay, bad signatures,
// dropped attempts, receiver timeouts, and the validation of PUT /__sim/webhook-faults.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import { signatureValid, startReceiver, type Receiver } from './testing/receiver.js';
import {
  advanceClock,
  attemptsRecorded,
  deliveries,
  emitStateChange,
  registerWebhook,
  type Registered,
} from './testing/setup.js';

const PR = 'krn:payment:eu1:request:11111111-2222-4333-8444-555555555555';
const SECOND = 1000;

let sb: TestSandbox;
let receiver: Receiver;
let hook: Registered;
beforeEach(async () => {
  sb = await startSandbox();
  receiver = await startReceiver();
  hook = await registerWebhook(sb, receiver.url);
});
afterEach(async () => {
  await sb.close();
  await receiver.close();
});

const advance = (ms: number): Promise<void> => advanceClock(sb, ms);
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const setFaults = async (faults: unknown) => {
  const res = await sb.sim('PUT', '/webhook-faults', faults);
  expect(res.status, res.text).toBe(200);
  return res.body;
};
const types = (r: Receiver) => r.received.map((x) => x.envelope.metadata.event_type.split('.').at(-1));

describe('duplicates', () => {
  it('sends each event N times with the same event_id and the same bytes', async () => {
    await setFaults({ duplicates: { copies: 3 } });
    emitStateChange(sb, PR, 'COMPLETED');
    const got = await receiver.waitFor(3);
    expect(new Set(got.map((r) => r.envelope.metadata.event_id)).size).toBe(1);
    expect(new Set(got.map((r) => r.rawBody.toString('hex'))).size).toBe(1);
    expect(got.every((r) => signatureValid(r, hook.secret))).toBe(true);
    const log = await deliveries(sb);
    expect(log).toHaveLength(3);
    expect(log.slice(1).map((d) => d.copy_of)).toEqual([log[0]?.delivery_id, log[0]?.delivery_id]);
  });
});

describe('reorder', () => {
  it('holds a payment request’s events and delivers them reversed when it reaches a final state', async () => {
    await setFaults({ reorder: { mode: 'reverse' } });
    emitStateChange(sb, PR, 'SUBMITTED');
    emitStateChange(sb, PR, 'IN_PROGRESS');
    await settle();
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries(sb, '?status=HELD')).length).toBe(2);
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(3);
    expect(types(receiver)).toEqual(['completed', 'in-progress', 'submitted']);
  });

  it('releases held events after hold_ms of simulated time', async () => {
    await setFaults({ reorder: { mode: 'reverse', hold_ms: 60 * SECOND } });
    emitStateChange(sb, PR, 'SUBMITTED');
    emitStateChange(sb, PR, 'IN_PROGRESS');
    await advance(59 * SECOND);
    expect(receiver.received).toHaveLength(0);
    await advance(1 * SECOND);
    expect(types(receiver)).toEqual(['in-progress', 'submitted']);
  });

  it('shuffle delivers every held event exactly once', async () => {
    await setFaults({ reorder: { mode: 'shuffle' } });
    for (const state of ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED'] as const) emitStateChange(sb, PR, state);
    await receiver.waitFor(3);
    expect(types(receiver).sort()).toEqual(['completed', 'in-progress', 'submitted']);
  });

  it('replacing the faults releases held events at once', async () => {
    await setFaults({ reorder: { mode: 'reverse' } });
    emitStateChange(sb, PR, 'SUBMITTED');
    emitStateChange(sb, PR, 'IN_PROGRESS');
    expect((await sb.sim('DELETE', '/webhook-faults')).status).toBe(204);
    await receiver.waitFor(2);
    expect(types(receiver)).toEqual(['in-progress', 'submitted']);
  });
});

describe('delay', () => {
  it('holds the first attempt back by delay_ms of simulated time', async () => {
    await setFaults({ delay_ms: 5 * SECOND });
    emitStateChange(sb, PR, 'COMPLETED');
    await settle();
    expect(receiver.received).toHaveLength(0);
    const [d] = await deliveries(sb);
    expect(d?.status).toBe('PENDING');
    expect(d?.next_attempt_at).not.toBeNull();
    await advance(5 * SECOND);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('bad signatures', () => {
  beforeEach(() => {
    // A partner's receiver: 400 on a signature mismatch (CONTRACT.md §10.5).
    receiver.respondWith((_n, r) => (signatureValid(r, hook.secret) ? 200 : 400));
  });

  it('signs the next N attempts with a wrong key; the retry is signed correctly', async () => {
    await setFaults({ bad_signature: { next: 1 } });
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    await attemptsRecorded(sb, 1);
    expect(receiver.received[0]?.headers['klarna-signing-key-id']).toBe(hook.signingKeyId);
    await advance(30 * SECOND);
    const [d] = await deliveries(sb);
    expect(d?.attempts.map((a) => [a.signature_valid, a.status_code])).toEqual([
      [false, 400],
      [true, 200],
    ]);
    expect(d?.status).toBe('DELIVERED');
  });

  it('ratio 1 signs every attempt wrongly', async () => {
    await setFaults({ bad_signature: { ratio: 1 } });
    emitStateChange(sb, PR, 'SUBMITTED');
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(2);
    expect(receiver.received.map((r) => signatureValid(r, hook.secret))).toEqual([false, false]);
  });
});

describe('dropped attempts and timeouts', () => {
  it('drop_first N: the first N attempts are recorded as timeouts and never sent', async () => {
    await setFaults({ drop_first: 2 });
    emitStateChange(sb, PR, 'COMPLETED');
    await attemptsRecorded(sb, 1);
    expect(receiver.received).toHaveLength(0);
    await advance(30 * SECOND);
    expect(receiver.received).toHaveLength(0);
    await advance(90 * SECOND);
    expect(receiver.received).toHaveLength(1);
    const [d] = await deliveries(sb);
    expect(d?.attempts.map((a) => a.error)).toEqual(['SIMULATED_TIMEOUT', 'SIMULATED_TIMEOUT', null]);
    expect(d?.status).toBe('DELIVERED');
  });

  it('a receiver slower than the timeout fails the attempt with TIMEOUT and is retried', async () => {
    await setFaults({ receiver_timeout_ms: 200 });
    receiver.respondWith((n) => (n === 0 ? 'hang' : 200));
    emitStateChange(sb, PR, 'COMPLETED');
    await receiver.waitFor(1);
    let [d] = await attemptsRecorded(sb, 1);
    expect(d?.attempts[0]).toMatchObject({ error: 'TIMEOUT', status_code: null });
    await advance(30 * SECOND);
    [d] = await deliveries(sb);
    expect(d?.status).toBe('DELIVERED');
  });
});

describe('PUT /__sim/webhook-faults', () => {
  it('shows the current faults with the counters left, and DELETE clears them', async () => {
    const body = await setFaults({ bad_signature: { next: 2 }, drop_first: 1, delay_ms: 0 });
    expect(body).toEqual({
      bad_signature: { next: 2 },
      bad_signatures_left: 2,
      drop_first: 1,
      drops_left: 1,
      delay_ms: 0,
      receiver_timeout_ms: 10_000,
    });
    expect((await sb.sim('GET', '/webhook-faults')).body).toEqual(body);
    expect((await sb.sim('DELETE', '/webhook-faults')).status).toBe(204);
    expect((await sb.sim('GET', '/webhook-faults')).body).toEqual({ receiver_timeout_ms: 10_000 });
  });

  it.each([
    [{ duplicate: { copies: 2 } }, 'duplicate'],
    [{ duplicates: { copies: 1 } }, 'duplicates.copies'],
    [{ duplicates: { copies: 2, extra: true } }, 'duplicates.extra'],
    [{ reorder: { mode: 'sideways' } }, 'reorder.mode'],
    [{ delay_ms: -1 }, 'delay_ms'],
    [{ delay_ms: '5' }, 'delay_ms'],
    [{ bad_signature: {} }, 'bad_signature'],
    [{ bad_signature: { ratio: 2 } }, 'bad_signature.ratio'],
    [{ drop_first: 0 }, 'drop_first'],
    [{ receiver_timeout_ms: 0 }, 'receiver_timeout_ms'],
    [[], 'body'],
  ])('400 naming the field for %j', async (faults, parameter) => {
    const res = await sb.sim<{ error_code: string; validation_errors: { parameter: string }[] }>(
      'PUT',
      '/webhook-faults',
      faults,
    );
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('VALIDATION_ERROR');
    expect(res.body.validation_errors.map((e) => e.parameter)).toEqual([parameter]);
  });
});
