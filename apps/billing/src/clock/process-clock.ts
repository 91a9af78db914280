// One clock for every process. Each role (api, webhooks, worker, scheduler) reads business time
// through the ProcessClock its composition root made:
//  - system mode: the machine's wall time;
//  - virtual mode: real time + the offset stored in PostgreSQL (ClockState), shared by every
//    process, so virtual time flows like real time between jumps, as the Klarna sandbox's does.
//
// now() stays synchronous: it adds a cached offset. The cache follows advances through LISTEN
// rebill_clock (fast), a poll every few seconds (a lost notification or a reconnect never leaves a
// process behind for long) and refresh(), which sweeps call at the start of each tick. After
// applying a new generation the process reports it in its RoleProcess row, which is what a clock
// advance waits for.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../domain/index.js';
import { CLOCK_CHANNEL, ensureClockState, readClockState, type ClockStateRow } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { createPgListener, type PgListener } from '../store/pg-listener.js';
import { beatRoleProcess, deleteRoleProcess } from '../store/role-processes.js';

export type ClockMode = 'system' | 'virtual';

export interface ProcessClock extends Clock {
  readonly mode: ClockMode;
  /** The ClockState generation this process runs on (0 in system mode). */
  readonly generation: number;
  /** This process's RoleProcess id (virtual mode), also in its logs. */
  readonly processId: string;
  /** Virtual mode: reads the offset, registers the process and starts following the clock. */
  start(): Promise<void>;
  /** Stops following, closes the LISTEN connection and removes the process's row. Never throws. */
  stop(): Promise<void>;
  /** Re-reads the shared clock now (and reports a new generation before resolving). */
  refresh(): Promise<void>;
}

export interface ProcessClockOptions {
  readonly mode: ClockMode;
  /** The role this process runs: api, webhooks, worker, scheduler (or a tool's name). */
  readonly role: string;
  readonly db: Db;
  /** The database URL, for the dedicated LISTEN connection. */
  readonly databaseUrl: string;
  readonly log: Logger;
  /** Real time underneath the offset (tests pass their own). */
  readonly realClock?: Clock;
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
  readonly reconnectMs?: number;
  readonly pid?: number;
  readonly hostname?: string;
}

export function createProcessClock(opts: ProcessClockOptions): ProcessClock {
  const realClock = opts.realClock ?? systemClock;
  if (opts.mode === 'system') {
    return {
      mode: 'system',
      generation: 0,
      processId: randomUUID(),
      now: () => realClock.now(),
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      refresh: () => Promise.resolve(),
    };
  }
  return new SharedVirtualClock(opts, realClock);
}

type Phase = 'new' | 'running' | 'stopped';

class SharedVirtualClock implements ProcessClock {
  readonly mode = 'virtual';
  readonly processId = randomUUID();
  private offsetMs = 0;
  private gen = -1;
  /** Latest instant handed out: virtual time never moves back, even if the machine clock does. */
  private lastMs = Number.NEGATIVE_INFINITY;
  private phase: Phase = 'new';
  private readonly log: Logger;
  private readonly listener: PgListener;
  /** Every read and heartbeat runs in this chain, one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  /** A refresh queued in the chain but not yet started: later callers share it. */
  private queuedRefresh: Promise<void> | null = null;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ProcessClockOptions,
    private readonly realClock: Clock,
  ) {
    this.log = opts.log.child({ component: 'process-clock', processId: this.processId, role: opts.role });
    this.listener = createPgListener({
      databaseUrl: opts.databaseUrl,
      channel: CLOCK_CHANNEL,
      log: this.log,
      ...(opts.reconnectMs === undefined ? {} : { reconnectMs: opts.reconnectMs }),
      onNotification: (payload) => {
        // The payload is the new generation; an old or duplicate one needs no read.
        if (payload !== undefined && Number(payload) <= this.gen) return;
        this.refreshInBackground();
      },
      onConnected: () => this.refreshInBackground(),
    });
  }

  get generation(): number {
    return Math.max(this.gen, 0);
  }

  now(): Date {
    if (this.gen < 0) {
      throw new Error('the virtual clock has not been read yet: await start() before asking for the time');
    }
    const ms = Math.max(this.lastMs, this.realClock.now().getTime() + this.offsetMs);
    this.lastMs = ms;
    return new Date(ms);
  }

  async start(): Promise<void> {
    if (this.phase !== 'new') throw new Error(`a process clock starts once (it is ${this.phase})`);
    this.phase = 'running';
    try {
      await ensureClockState(this.opts.db);
      await this.serially(() => this.readAndApply());
      await this.serially(() => this.beat());
    } catch (err) {
      this.phase = 'stopped';
      throw err;
    }
    this.listener.start();
    // unref: the clock follows time for a process that runs; it never keeps one alive.
    this.pollTimer = setInterval(() => this.refreshInBackground(), this.opts.pollMs ?? 2_000);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => this.beatInBackground(), this.opts.heartbeatMs ?? 5_000);
    this.heartbeatTimer.unref();
    this.log.info({ generation: this.gen, offsetMs: this.offsetMs }, 'virtual clock started');
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasRunning = this.phase === 'running';
    this.phase = 'stopped';
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    await this.listener.stop();
    await this.chain;
    if (!wasRunning) return;
    try {
      await deleteRoleProcess(this.opts.db, this.processId);
    } catch (err) {
      // Its row stops counting as live once the heartbeat is old; nothing waits on it after that.
      this.log.warn({ err }, 'could not remove this process from RoleProcess');
    }
  }

  refresh(): Promise<void> {
    if (this.phase !== 'running') return Promise.resolve();
    if (this.queuedRefresh) return this.queuedRefresh;
    const queued = this.serially(() => {
      this.queuedRefresh = null;
      return this.readAndApply();
    });
    this.queuedRefresh = queued;
    return queued;
  }

  private refreshInBackground(): void {
    this.refresh().catch((err: unknown) => this.log.warn({ err }, 'could not read the shared clock'));
  }

  private beatInBackground(): void {
    if (this.phase !== 'running') return;
    this.serially(() => this.beat()).catch((err: unknown) =>
      this.log.warn({ err }, 'could not record this process heartbeat'),
    );
  }

  /** Reads ClockState; a newer generation is applied and reported at once. */
  private async readAndApply(): Promise<void> {
    if (this.phase !== 'running') return;
    const state = await readClockState(this.opts.db);
    if (!state) {
      this.log.warn('ClockState row is missing; keeping the last known offset');
      return;
    }
    if (!this.apply(state)) return;
    await this.beat();
  }

  private apply(state: ClockStateRow): boolean {
    // Generations only grow: an older row (a restored backup) never moves this process back.
    if (state.generation <= this.gen) return false;
    const first = this.gen < 0;
    this.offsetMs = state.offsetMs;
    this.gen = state.generation;
    if (!first) this.log.info({ generation: this.gen, offsetMs: this.offsetMs }, 'virtual clock advanced');
    return !first;
  }

  private async beat(): Promise<void> {
    if (this.phase !== 'running') return;
    await beatRoleProcess(this.opts.db, {
      id: this.processId,
      role: this.opts.role,
      pid: this.opts.pid ?? process.pid,
      hostname: this.opts.hostname ?? hostname(),
      clockGeneration: this.generation,
    });
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
