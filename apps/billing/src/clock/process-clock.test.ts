// ProcessClock against a real PostgreSQL database of this file's own (the ClockState row is a
// singleton: no other test file may move it).
import { createDatabaseFromTemplate, dropDatabase } from '@rebill/test/harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../domain/index.js';
import { systemActor } from '../store/audit.js';
import { bumpClockState, readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { listLiveRoleProcesses } from '../store/role-processes.js';
import { resetSharedClock, silentLog, waitFor } from './clock.test-support.js';
import { createProcessClock, type ProcessClock, type ProcessClockOptions } from './process-clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let databaseUrl: string;
let db: Db;
/** Clocks to stop after each test, with the Prisma client each one was given. */
const started: { clock: ProcessClock; own: Db | null }[] = [];

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
});

afterAll(async () => {
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

beforeEach(() => resetSharedClock(db));

afterEach(async () => {
  await Promise.all(
    started.splice(0).map(async ({ clock, own }) => {
      await clock.stop();
      if (own) await disconnect(own);
    }),
  );
});

async function startClock(overrides: Partial<ProcessClockOptions> = {}): Promise<ProcessClock> {
  // A separate Prisma client per clock: each process has its own connections.
  const own = createPrismaClient({ databaseUrl });
  const clock = createProcessClock({
    mode: 'virtual',
    role: 'worker',
    db: own,
    databaseUrl,
    log: silentLog,
    ...overrides,
  });
  started.push({ clock, own });
  await clock.start();
  return clock;
}

const bump = (stepMs: number) =>
  bumpClockState(db, stepMs, {
    actor: systemActor('test'),
    virtualNowAfter: (o) => new Date(Date.now() + o),
  });

/** Server pids of this database's clock LISTEN connections. */
async function listenerPids(): Promise<number[]> {
  const rows = await db.$queryRaw<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'rebill-clock-listener'`;
  return rows.map((r) => r.pid);
}

describe('createProcessClock in virtual mode', () => {
  it('creates the clock row at offset 0 and flows with real time', async () => {
    expect(await readClockState(db)).toBeNull();
    const clock = await startClock();

    expect(await readClockState(db)).toEqual({ offsetMs: 0, generation: 0 });
    expect(clock.mode).toBe('virtual');
    expect(clock.generation).toBe(0);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1_000);
  });

  it('registers the process, and removes it on stop', async () => {
    const clock = await startClock({ role: 'scheduler', pid: 4321, hostname: 'box-1' });

    const [row] = await listLiveRoleProcesses(db, 15_000);
    expect(row).toMatchObject({
      id: clock.processId,
      role: 'scheduler',
      pid: 4321,
      hostname: 'box-1',
      clockGeneration: 0,
    });
    await clock.stop();
    expect(await listLiveRoleProcesses(db, 15_000)).toEqual([]);
    expect(await listenerPids()).toEqual([]);
  });

  it('two processes on separate connections see an advance within the notification latency', async () => {
    // Polling far away: only the notification can bring the news in time.
    const a = await startClock({ role: 'api', pollMs: 60_000 });
    const b = await startClock({ role: 'worker', pollMs: 60_000 });
    await waitFor('both LISTEN connections', async () =>
      (await listenerPids()).length === 2 ? true : undefined,
    );

    const sentAt = performance.now();
    const { after } = await bump(DAY);
    await waitFor('both clocks to apply the advance', () =>
      a.generation === after.generation && b.generation === after.generation ? true : undefined,
    );
    const latencyMs = performance.now() - sentAt;

    expect(latencyMs).toBeLessThan(1_000);
    for (const clock of [a, b])
      expect(Math.abs(clock.now().getTime() - (Date.now() + DAY))).toBeLessThan(1_000);
    // Each one reported the generation it applied (what an advance waits for).
    await waitFor('both acknowledgements', async () => {
      const rows = await listLiveRoleProcesses(db, 15_000);
      return rows.length === 2 && rows.every((r) => r.clockGeneration === after.generation)
        ? rows
        : undefined;
    });
  });

  it('catches up by polling while its LISTEN connection is gone', async () => {
    const clock = await startClock({ pollMs: 200, reconnectMs: 60_000 });
    const [pid] = await waitFor('the LISTEN connection', async () => {
      const pids = await listenerPids();
      return pids.length === 1 ? pids : undefined;
    });
    await db.$queryRaw`SELECT pg_terminate_backend(${pid}::int)`;
    await waitFor('the connection to be gone', async () =>
      (await listenerPids()).length === 0 ? true : undefined,
    );

    const { after } = await bump(2 * HOUR);
    await waitFor(
      'the poll to apply the advance',
      () => (clock.generation === after.generation ? true : undefined),
      {
        timeoutMs: 2_000,
      },
    );

    expect(await listenerPids()).toEqual([]);
    expect(Math.abs(clock.now().getTime() - (Date.now() + 2 * HOUR))).toBeLessThan(1_000);
  });

  it('reconnects a killed LISTEN connection, re-reads what it missed and listens again', async () => {
    const clock = await startClock({ pollMs: 60_000, reconnectMs: 200 });
    const [first] = await waitFor('the LISTEN connection', async () => {
      const pids = await listenerPids();
      return pids.length === 1 ? pids : undefined;
    });
    await db.$queryRaw`SELECT pg_terminate_backend(${first}::int)`;
    // Sent while the connection is down: only the re-read after reconnecting can see it.
    const missed = await bump(HOUR);

    await waitFor('the reconnect to apply the missed advance', () =>
      clock.generation === missed.after.generation ? true : undefined,
    );
    const [second] = await listenerPids();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);

    const next = await bump(HOUR);
    await waitFor('the notification on the new connection', () =>
      clock.generation === next.after.generation ? true : undefined,
    );
  });

  it('refresh() re-reads at once and reports the new generation before resolving', async () => {
    const clock = await startClock({ pollMs: 60_000 });
    const { after } = await bump(DAY);

    await clock.refresh();

    expect(clock.generation).toBe(after.generation);
    const rows = await listLiveRoleProcesses(db, 15_000);
    expect(rows.find((r) => r.id === clock.processId)?.clockGeneration).toBe(after.generation);
  });

  it('heartbeats keep lastSeenAt fresh in real time', async () => {
    const clock = await startClock({ heartbeatMs: 100 });
    const before = (await listLiveRoleProcesses(db, 15_000))[0]?.lastSeenAt;
    const later = await waitFor('a heartbeat', async () => {
      const row = (await listLiveRoleProcesses(db, 15_000)).find((r) => r.id === clock.processId);
      return row && before && row.lastSeenAt > before ? row.lastSeenAt : undefined;
    });
    // Real time, not virtual: after a day's advance the heartbeat still tells the wall clock.
    await bump(DAY);
    expect(Math.abs(later.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('never hands out an earlier instant, even when the machine clock steps back', async () => {
    let realMs = Date.parse('2030-01-01T00:00:00Z');
    const realClock: Clock = { now: () => new Date(realMs) };
    const clock = await startClock({ realClock });
    const first = clock.now().getTime();

    realMs -= 5_000;

    expect(clock.now().getTime()).toBe(first);
    realMs += 10_000;
    expect(clock.now().getTime()).toBe(first + 5_000);
  });

  it('refuses to tell the time before start, and to start twice', async () => {
    const clock = createProcessClock({ mode: 'virtual', role: 'api', db, databaseUrl, log: silentLog });
    expect(() => clock.now()).toThrow('await start()');
    await clock.start();
    started.push({ clock, own: null });
    await expect(clock.start()).rejects.toThrow('starts once');
  });

  it('stop() leaves nothing behind: no row, no connection, refresh is a no-op', async () => {
    const clock = await startClock({ pollMs: 50, heartbeatMs: 50 });
    await clock.stop();
    const { after } = await bump(DAY);
    await clock.refresh();
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(clock.generation).toBeLessThan(after.generation);
    expect(await listLiveRoleProcesses(db, 15_000)).toEqual([]);
    expect(await listenerPids()).toEqual([]);
  });
});

describe('createProcessClock in system mode', () => {
  it('is wall time, registers nothing and touches no database', async () => {
    const clock = createProcessClock({
      mode: 'system',
      role: 'api',
      db,
      databaseUrl: 'postgresql://nobody@127.0.0.1:1/none',
      log: silentLog,
    });
    await clock.start();
    await clock.refresh();

    expect(clock.mode).toBe('system');
    expect(clock.generation).toBe(0);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1_000);
    expect(await listLiveRoleProcesses(db, 15_000)).toEqual([]);
    await clock.stop();
  });
});
