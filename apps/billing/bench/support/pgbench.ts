// The floor a benchmark is compared with: pgbench's simple-update run (`-N`: no updates of the
// contended branch and teller rows) on a scratch database of its own, on the same server and in
// the same run, so a busy or slow machine moves both figures alike.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { databaseNameOf, withDatabase } from '../../../../prisma/tools/database-url.mjs';
import { dropDatabase, ensureDatabase } from '../../../../prisma/tools/migrations.mjs';
import { postgresSnapshot } from './proc-cpu.js';

export interface PgbenchOptions {
  /** A URL on the server to measure; the scratch database gets its own name. */
  readonly serverUrl: string;
  readonly database: string;
  readonly seconds: number;
  readonly clients?: number;
  readonly threads?: number;
  readonly scale?: number;
}

export interface PgbenchResult {
  readonly tps: number;
  readonly command: string;
  /**
   * CPU ms its backends spent per transaction (NaN where /proc cannot tell): what a pgbench -N
   * transaction costs PostgreSQL, to set a renewal's PostgreSQL CPU against.
   */
  readonly backendCpuMsPerTransaction: number;
}

const PGBENCH = existsSync('/usr/bin/pgbench') ? '/usr/bin/pgbench' : 'pgbench';

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const url = withDatabase(options.serverUrl, options.database);
  const parsed = new URL(url);
  const connection = [
    '-h',
    parsed.hostname,
    '-p',
    parsed.port || '5432',
    '-U',
    decodeURIComponent(parsed.username) || 'postgres',
  ];
  const env = {
    ...process.env,
    ...(parsed.password ? { PGPASSWORD: decodeURIComponent(parsed.password) } : {}),
  };
  await ensureDatabase(url);
  try {
    await run([...connection, '-i', '-q', '-s', String(options.scale ?? 10), databaseNameOf(url)], env);
    const args = [
      ...connection,
      '-N',
      '-c',
      String(options.clients ?? 16),
      '-j',
      String(options.threads ?? 2),
      '-T',
      String(options.seconds),
      databaseNameOf(url),
    ];
    const backends = new BackendCpu(databaseNameOf(url));
    const output = await run(args, env).finally(() => backends.stop());
    const transactions = /number of transactions actually processed: (\d+)/.exec(output)?.[1];
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1];
    if (tps === undefined) throw new Error(`pgbench printed no TPS:\n${output}`);
    return {
      tps: Number(tps),
      command: `pgbench -N -c ${options.clients ?? 16} -j ${options.threads ?? 2} -T ${options.seconds} (scale ${options.scale ?? 10})`,
      backendCpuMsPerTransaction:
        transactions === undefined ? Number.NaN : backends.totalMs() / Number(transactions),
    };
  } finally {
    await dropDatabase(url);
  }
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`pgbench ${args.join(' ')} exited ${String(code)}:\n${output}`)),
    );
  });
}

/**
 * pgbench's backends end with its run, taking their /proc entries with them: read every 100 ms,
 * each backend's last reading is its total (the last 100 ms of each are missed, under 1% of a
 * 15 s run).
 */
class BackendCpu {
  private readonly last = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly database: string) {
    this.timer = setInterval(() => this.read(), 100);
  }

  totalMs(): number {
    let total = 0;
    for (const cpu of this.last.values()) total += cpu;
    return this.last.size === 0 ? Number.NaN : total;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read(): void {
    for (const [pid, cpu] of postgresSnapshot(this.database, new Set()).backends) this.last.set(pid, cpu);
  }
}
