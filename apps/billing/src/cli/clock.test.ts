// `rebill clock ...` in-process, on a database of this file's own (the clock row is a singleton).
import { randomUUID } from 'node:crypto';
import {
  createDatabaseFromTemplate,
  createTestRedis,
  dropDatabase,
  testBullmqPrefix,
} from '@rebill/test/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerSilentProcess, resetSharedClock, silentLog } from '../clock/clock.test-support.js';
import { createClockOperations, type ClockOperationsDeps } from '../clock/operations.js';
import { createProcessClock } from '../clock/process-clock.js';
import { createQuiescenceProbe, type QuiescenceProbe } from '../clock/quiescence.js';
import { readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { runClockCommand } from './clock.js';

const DAY = 86_400_000;

let databaseUrl: string;
let db: Db;
let redis: Redis;
let probe: QuiescenceProbe;

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  redis = createTestRedis();
  probe = createQuiescenceProbe({
    db,
    redis,
    bullPrefix: `${testBullmqPrefix()}:cli-clock`,
    sandbox: null,
  });
});

afterAll(async () => {
  await probe.close();
  await redis.quit();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

beforeEach(() => resetSharedClock(db));

async function run(argv: string[], overrides: Partial<ClockOperationsDeps> = {}) {
  let stdout = '';
  let stderr = '';
  const ops = createClockOperations({
    db,
    mode: 'virtual',
    sandbox: null,
    quiet: probe,
    log: silentLog,
    ackTimeoutMs: 2_000,
    quietTimeoutMs: 5_000,
    pollMs: 50,
    ...overrides,
  });
  const code = await runClockCommand(argv, {
    ops,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('rebill clock', () => {
  it('advance moves the clock, prints what it did and exits 0', async () => {
    const { code, stdout, stderr } = await run(['advance', 'P3D']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(stdout) as { from: string; to: string; steps: number };
    expect(out.steps).toBe(3);
    expect(Date.parse(out.to) - Date.parse(out.from)).toBe(3 * DAY);
    expect(await readClockState(db)).toEqual({ offsetMs: 3 * DAY, generation: 3 });
    const audit = await db.auditEvent.findFirst({ where: { entityType: 'ClockState' } });
    expect(audit).toMatchObject({ actorKind: 'OPERATOR', actorId: 'cli' });
  });

  it('advance --step moves in coarser steps', async () => {
    const { code, stdout } = await run(['advance', 'P4D', '--step', 'P2D']);

    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { steps: number }).steps).toBe(2);
  });

  it('show prints the clock and the live processes with their generation', async () => {
    const own = createPrismaClient({ databaseUrl });
    const clock = createProcessClock({
      mode: 'virtual',
      role: 'scheduler',
      db: own,
      databaseUrl,
      log: silentLog,
    });
    await clock.start();
    try {
      expect((await run(['advance', '2h'])).code).toBe(0);

      const { code, stdout } = await run(['show']);

      expect(code).toBe(0);
      const view = JSON.parse(stdout) as Record<string, unknown>;
      expect(view).toMatchObject({
        mode: 'virtual',
        offsetMs: 2 * 3_600_000,
        generation: 1,
        processes: [{ id: clock.processId, role: 'scheduler', pid: process.pid, clockGeneration: 1 }],
      });
      expect(Math.abs(Date.parse(view.now as string) - (Date.now() + 2 * 3_600_000))).toBeLessThan(2_000);
    } finally {
      await clock.stop();
      await disconnect(own);
    }
  });

  it.each([
    [[], 'missing a command'],
    [['rewind', 'P1D'], 'unknown command "rewind"'],
    [['advance'], 'one duration and optionally a step'],
    [['advance', 'P1D', 'P2D'], 'one duration and optionally a step'],
    [['advance', 'P1D', '--step'], 'one duration and optionally a step'],
    [['advance', 'P1D', '--step', 'P8D'], 'step: must be from 1 minute to 7 days'],
    [['advance', 'P1M'], 'duration: months and years have no fixed length'],
    [['advance', 'soon'], 'duration: "soon" is not a duration'],
    [['show', 'now'], 'show takes no arguments'],
  ])('exits 2 with the usage for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage:');
    expect(await readClockState(db)).toBeNull();
  });

  it('prints the usage on --help', async () => {
    expect(await run(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('usage:') as unknown,
    });
  });

  it('exits 1 in system mode', async () => {
    const { code, stderr } = await run(['advance', 'P1D'], { mode: 'system' });

    expect(code).toBe(1);
    expect(stderr).toContain('system mode');
  });

  it('exits 1 naming the process that does not follow the clock', async () => {
    await registerSilentProcess(db, { id: randomUUID(), role: 'webhooks', pid: 5150 });

    const { code, stderr } = await run(['advance', 'P2D'], { ackTimeoutMs: 300 });

    expect(code).toBe(1);
    expect(stderr).toContain('webhooks (pid 5150');
    expect(stderr).toContain('the clock moved 1 step(s)');
  });
});
