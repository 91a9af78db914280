// One process the demo supervises: `node --import tsx <entry> ...args` in a process group of its
// own (detached), so that stopping it also stops whatever it started, and a Ctrl-C in the terminal
// reaches only the demo, which then stops every child in order. Output goes to a log file; the
// last lines are kept to explain a failure.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ChildSpec {
  readonly name: string;
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly args?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** Stopped after the others (the sandbox, which the roles still call while they finish). */
  readonly stopLast?: boolean;
}

export type ExitHow = number | NodeJS.Signals;

export class Child {
  private readonly tail: string[] = [];
  private readonly lineWatchers = new Set<(line: string) => void>();
  readonly exited: Promise<ExitHow>;
  private ended = false;
  readonly pid: number;

  constructor(readonly spec: ChildSpec) {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...(spec.args ?? [])], {
      cwd: REPO_ROOT,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${spec.name} could not be started`);
    this.pid = child.pid;
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    let partial = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
        for (const watch of this.lineWatchers) watch(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    this.exited = new Promise<ExitHow>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 1));
    }).then(async (how) => {
      this.ended = true;
      await new Promise<void>((resolve) => log.end(resolve));
      return how;
    });
  }

  get running(): boolean {
    return !this.ended;
  }

  /** The last lines it printed, for an error message. */
  lastLines(count = 12): string {
    return this.tail.slice(-count).join('\n');
  }

  /** Resolves with the first line (from now on) that matches; rejects if it exits first. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.lineWatchers.delete(watch);
        settle();
      };
      const watch = (line: string): void => {
        if (match(line)) done(() => resolve(line));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.spec.name} was not ready within ${timeoutMs / 1000} s`))),
        timeoutMs,
      );
      this.lineWatchers.add(watch);
      void this.exited.then((how) =>
        done(() => reject(new Error(`${this.spec.name} exited (${String(how)}) before it was ready`))),
      );
    });
  }

  /** Signals the whole process group (the child and anything it started). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** SIGTERM (each process finishes its work in flight), SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<ExitHow> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const how = await this.exited;
    clearTimeout(timer);
    // Anything the child left behind in its group goes too.
    this.signal('SIGKILL');
    return how;
  }
}
