// A benchmark's child process (a Rebill role, a CLI command, the Klarna sandbox): `node --import
// tsx <entry> ...args` from the repository root, its output appended to a log file and scanned for
// the line that says it is ready. The pid is node's own (no npm wrapper), so /proc/<pid>/stat is
// the process under test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (already printed or to come). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface SpawnOptions {
  readonly entry: string;
  readonly args?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

export function spawnNode(name: string, options: SpawnOptions): Child {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), '--import', 'tsx', options.entry, ...(options.args ?? [])],
    { cwd: REPO_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = createWriteStream(options.logFile, { flags: 'a' });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    // Only the start of the output is searched; a role at warn level prints little after that.
    if (text.length < 1_000_000) text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  }).then(async (how) => {
    await new Promise<void>((resolve) => log.end(resolve));
    return how;
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters) wake();
  });

  return {
    name,
    pid: child.pid ?? -1,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match !== null) return done(() => resolve(match));
          if (ended)
            done(() => reject(new Error(`${name} exited before ${String(pattern)}:\n${tail(text)}`)));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`${name}: no ${String(pattern)} within ${timeoutMs} ms:\n${tail(text)}`)),
            ),
          timeoutMs,
        );
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

function tail(text: string): string {
  return text.split('\n').slice(-20).join('\n');
}
