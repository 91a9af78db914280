// PostgreSQL and Redis servers of a test's own, for tests that crash, stop or flush them: a fresh
// cluster (initdb in a temporary folder, on a free port) and a redis-server without persistence.
// The shared servers other tests use are never touched. PostgreSQL refuses to run as root, so its
// binaries run as the `postgres` user then. Everything started here is stopped by its pid (or its
// data directory) and its folder removed.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';
import { REPO_ROOT } from './role-process.js';

const run = promisify(execFile);

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error(`no PostgreSQL installed under ${root}`);
  const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  const latest = versions.at(-1);
  if (latest === undefined) throw new Error(`no PostgreSQL version under ${root}`);
  return join(root, latest, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** A PostgreSQL binary, run as `postgres` when this process is root. */
async function pgTool(bin: string, tool: string, args: readonly string[]): Promise<string> {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
    : [join(bin, tool), [...args]];
  const { stdout, stderr } = await run(file, argv, { timeout: 120_000 });
  return `${stdout}${stderr}`;
}

export interface PrivatePostgres {
  readonly port: number;
  /** The migrated application database. */
  readonly databaseUrl: string;
  /** A crash: `pg_ctl -m immediate stop` (no checkpoint, clients cut off). */
  crash(): Promise<void>;
  /** Starts the cluster again on the same port and folder (crash recovery runs). */
  start(): Promise<void>;
  /** `-m fast` stop and the folder removed. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'rebill-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await pgTool(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  const start = async (): Promise<void> => {
    await pgTool(bin, 'pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      options,
    ]);
  };
  const stop = async (mode: 'immediate' | 'fast'): Promise<void> => {
    await pgTool(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  };
  await start();
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE rebill');
  await admin.end();
  const databaseUrl = `postgresql://postgres@127.0.0.1:${port}/rebill`;
  try {
    await run(process.execPath, ['prisma/tools/db.mjs', 'deploy'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl },
      timeout: 180_000,
    });
  } catch (error) {
    await stop('fast').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // If this process ends without destroy() (a timeout killed the run), the cluster goes with it.
  const onExit = (): void => {
    try {
      execFileSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), [
        ...(asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
        ...['-D', data, '-m', 'immediate', 'stop'],
      ]);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    port,
    databaseUrl,
    crash: () => stop('immediate'),
    start,
    async destroy() {
      process.off('exit', onExit);
      await stop('fast').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SHUTDOWN NOSAVE through the process's pid (SIGTERM; no persistence is configured). */
  destroy(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rebill-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      if (out.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`redis-server exited early:\n${out}`)));
    setTimeout(() => reject(new Error(`redis-server not ready within 20 s:\n${out}`)), 20_000).unref();
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    async destroy() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
