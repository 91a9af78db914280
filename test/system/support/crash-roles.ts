// Role processes for a crash test: each slot (a scheduler, a worker) holds one running `rebill
// <role>` process, started as world.ts starts them. A slot can be killed with SIGKILL and started
// again; a process that exits on its own (PostgreSQL gone at start, a crash) is noted and
// started again by the slot, so the test always knows what ran and what had to be restarted.
import { join } from 'node:path';
import { logFields, spawnRebill, type RoleProcess } from './role-process.js';

export type CrashRole = 'worker' | 'scheduler';

const READY_MESSAGE: Record<CrashRole, string> = { worker: 'working', scheduler: 'sweeping' };

export interface SelfExit {
  readonly slot: string;
  readonly pid: number;
  readonly how: number | string;
  readonly lastLines: readonly string[];
}

export class RoleSlot {
  private current: RoleProcess | null = null;
  private ready: Promise<void> = Promise.resolve();
  private readyProc: RoleProcess | null = null;
  private stopping = false;
  private starts = 0;
  readonly selfExits: SelfExit[] = [];
  readonly killedPids: number[] = [];
  private readonly expectedExits = new Set<number>();

  constructor(
    readonly name: string,
    readonly role: CrashRole,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  get pid(): number | null {
    return this.current?.pid ?? null;
  }

  /** Starts a process; resolves once it printed its ready line (or retries until one does). */
  start(): Promise<void> {
    this.starts += 1;
    const proc = spawnRebill(
      `${this.name}#${this.starts}`,
      [this.role],
      this.env,
      join(this.logDir, `${this.name}-${this.starts}.log`),
    );
    this.current = proc;
    void proc.exited.then((how) => {
      if (this.expectedExits.delete(proc.pid) || this.stopping) return;
      // Exited by itself: note it and start a new one (after a pause: PostgreSQL may be down).
      this.selfExits.push({ slot: this.name, pid: proc.pid, how, lastLines: proc.lines.slice(-8) });
      if (this.current === proc) {
        this.current = null;
        setTimeout(() => {
          if (!this.stopping && this.current === null) void this.start().catch(() => undefined);
        }, 1_000);
      }
    });
    this.ready = proc
      .waitForLine((line) => logFields(line)?.msg === READY_MESSAGE[this.role], 120_000)
      .then(() => {
        this.readyProc = proc;
      });
    return this.ready;
  }

  /** A process of this slot is running and has printed its ready line. */
  get isReady(): boolean {
    return this.current !== null && this.readyProc === this.current;
  }

  /** SIGKILL the running process (if any), wait for it to be gone, start a new one (not awaited). */
  async killAndRestart(): Promise<number | null> {
    const proc = this.current;
    if (proc === null) return null;
    this.expectedExits.add(proc.pid);
    this.current = null;
    proc.kill();
    await proc.exited;
    this.killedPids.push(proc.pid);
    void this.start().catch(() => undefined);
    return proc.pid;
  }

  /** Resolves once a process of this slot is up and has printed its ready line. */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const proc = this.current;
      if (proc !== null) {
        try {
          await this.ready;
          if (this.current === proc) return;
        } catch {
          // that process died before it was ready: the slot starts another
        }
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: no ready process within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM; resolves with how the process ended (0 for a clean stop). */
  async stop(): Promise<number | string> {
    this.stopping = true;
    const proc = this.current;
    this.current = null;
    if (proc === null) return 0;
    return proc.stop();
  }
}
