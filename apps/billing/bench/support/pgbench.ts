// The floor a benchmark is compared with: pgbench's simple-update run (`-N`: no updates of the
// contended branch and teller rows) on a scratch database of its own, on the same server and in
// the same run, so a busy or slow machine moves both figures alike.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { databaseNameOf, withDatabase } from '../../../../prisma/tools/database-url.mjs';
import { dropDatabase, ensureDatabase } from '../../../../prisma/tools/migrations.mjs';

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
    const output = await run(args, env);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1];
    if (tps === undefined) throw new Error(`pgbench printed no TPS:\n${output}`);
    return {
      tps: Number(tps),
      command: `pgbench -N -c ${options.clients ?? 16} -j ${options.threads ?? 2} -T ${options.seconds} (scale ${options.scale ?? 10})`,
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
