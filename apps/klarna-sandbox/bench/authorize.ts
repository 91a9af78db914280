// Authorize throughput: CNP token charges (scenario c) against a sandbox at zero latency, over
// keep-alive HTTP with bounded concurrency. Stops after --requests calls or --seconds, whichever
// comes first, and prints calls/s, p50/p99 latency, the sandbox's memory and CPU per call.
//
//   npm run bench -w @rebill/klarna-sandbox [-- --concurrency 32 --requests 100000 --seconds 15]
//   ... -- --cpu-prof /tmp/prof   (V8 profile of the sandbox, for chrome://inspect or speedscope)
//
// By default the sandbox runs as a child process (its own core, as in real use); --in-process
// runs it inside this process instead (client and server then share one core).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KeepAliveConnection, type Answer } from './http-client.js';

const ACCOUNT = 'krn:partner:global:account:test:BENCH1';
const API_KEY = 'bench-api-key';
const GOAL_PER_SECOND = 5_000;

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    requests: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3000' },
    'in-process': { type: 'boolean', default: false },
    /** Write a V8 CPU profile of the sandbox process into this directory (child process only). */
    'cpu-prof': { type: 'string' },
  },
});

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0) return n;
  process.stderr.write(`--${name} must be a non-negative integer, got ${raw}\n`);
  process.exit(2);
}
const concurrency = Math.max(1, positiveInt('concurrency', args.concurrency));
const maxRequests = positiveInt('requests', args.requests);
const maxSeconds = positiveInt('seconds', args.seconds);
const warmup = positiveInt('warmup', args.warmup);

interface Target {
  baseUrl: string;
  /** Resident set size of the sandbox process, in bytes (current, peak). */
  memory(): { rss: number; peak: number | undefined };
  /** CPU time the sandbox process has used so far, in ms (user + system). */
  cpuMs(): number;
  stop(): Promise<void>;
}

const sandboxEnv = {
  SANDBOX_PORT: '0',
  SANDBOX_HOST: '127.0.0.1',
  SANDBOX_API_KEY: API_KEY,
  SANDBOX_LATENCY_MS: '0',
  SANDBOX_LOG_LEVEL: 'warn',
};

function procMemory(pid: number): { rss: number; peak: number | undefined } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const peak = kb('VmHWM');
    return { rss: kb('VmRSS'), peak: Number.isNaN(peak) ? undefined : peak };
  } catch {
    return { rss: NaN, peak: undefined };
  }
}

/** utime + stime of a process from /proc (Linux), in ms; NaN elsewhere. */
function procCpuMs(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

async function startChild(): Promise<Target> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const profile = args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...sandboxEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}:\n${out}`));
    });
  });
  child.stdout?.resume();
  return {
    baseUrl,
    memory: () => procMemory(child.pid ?? 0),
    cpuMs: () => procCpuMs(child.pid ?? 0),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startInProcess(): Promise<Target> {
  const { buildSandbox } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const sandbox = await buildSandbox(loadConfig(sandboxEnv));
  const baseUrl = await sandbox.listen();
  return {
    baseUrl,
    memory: () => ({ rss: process.memoryUsage.rss(), peak: procMemory(process.pid).peak }),
    cpuMs: () => procCpuMs(process.pid),
    stop: () => sandbox.close(),
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const target = args['in-process'] ? await startInProcess() : await startChild();
  const { hostname, port } = new URL(target.baseUrl);
  const connections = Array.from(
    { length: concurrency },
    () => new KeepAliveConnection(hostname, Number(port)),
  );
  try {
    await Promise.all(connections.map((c) => c.open()));
    const [first] = connections;
    if (!first) throw new Error('no connection');
    const host = `Host: ${hostname}:${port}\r\nContent-Type: application/json`;
    const mint = await first.request(
      `POST /__sim/customer-tokens HTTP/1.1\r\n${host}`,
      JSON.stringify({ account_id: ACCOUNT, scopes: ['payment:customer_not_present'] }),
    );
    if (mint.status !== 201) throw new Error(`could not mint a token: ${mint.status} ${mint.body}`);
    const token = (JSON.parse(mint.body) as { customer_token: string }).customer_token;
    const authorizeHead =
      `POST /v2/accounts/${ACCOUNT}/payment/authorize HTTP/1.1\r\n${host}\r\n` +
      `Authorization: Basic ${API_KEY}\r\nKlarna-Customer-Token: ${token}\r\nKlarna-Idempotency-Key: `;

    let sent = 0;
    const charge = (connection: KeepAliveConnection): Promise<Answer> => {
      const n = sent++;
      const body = JSON.stringify({
        currency: 'EUR',
        request_payment_transaction: { amount: 999, payment_transaction_reference: `bench-${n}` },
        supplementary_purchase_data: {
          purchase_reference: `INV-${n}`,
          line_items: [{ name: 'Pro plan', quantity: 1, unit_price: 999, total_amount: 999 }],
          subscriptions: [
            {
              subscription_reference: 'sub_bench',
              name: 'Pro plan',
              billing_plans: [
                { billing_amount: 999, from: '2026-01-01', interval: 'MONTH', interval_frequency: 1 },
              ],
            },
          ],
        },
      });
      // A fresh idempotency key per call: every call executes (no replays).
      return connection.request(authorizeHead + randomUUID(), body);
    };

    // Bounded closed loop: `concurrency` workers, each sending its next call when the last returns.
    const run = async (count: number, seconds: number, record: boolean) => {
      const latencies = new Float64Array(count);
      const statuses = new Map<string, number>();
      let issued = 0;
      let done = 0;
      const deadline = performance.now() + seconds * 1000;
      const worker = async (connection: KeepAliveConnection) => {
        while (issued < count && performance.now() < deadline) {
          issued++;
          const started = performance.now();
          const answer = await charge(connection);
          const elapsed = performance.now() - started;
          const result =
            answer.status === 200
              ? ((JSON.parse(answer.body) as { payment_transaction_response?: { result?: string } })
                  .payment_transaction_response?.result ?? 'NO_RESULT')
              : `HTTP ${answer.status}`;
          statuses.set(result, (statuses.get(result) ?? 0) + 1);
          if (record) latencies[done] = elapsed;
          done++;
        }
      };
      const started = performance.now();
      await Promise.all(connections.map(worker));
      const seconds_ = (performance.now() - started) / 1000;
      return { done, seconds: seconds_, latencies: latencies.subarray(0, done).sort(), statuses };
    };

    if (warmup > 0) await run(warmup, 30, false);
    const before = target.memory();
    const cpuBefore = target.cpuMs();
    const clientCpuBefore = process.cpuUsage();
    const result = await run(maxRequests, maxSeconds, true);
    const sandboxCpuMs = target.cpuMs() - cpuBefore;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const after = target.memory();

    const perSecond = result.done / result.seconds;
    const mb = (bytes: number | undefined) =>
      bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    const lines = [
      `authorize benchmark (CNP token charge, zero latency, ${args['in-process'] ? 'in-process' : 'child process'} sandbox, node ${process.version})`,
      `  calls            ${result.done} in ${result.seconds.toFixed(2)} s, concurrency ${concurrency}, after ${warmup} warm-up calls`,
      `  throughput       ${perSecond.toFixed(0)} calls/s (goal > ${GOAL_PER_SECOND}/s: ${perSecond > GOAL_PER_SECOND ? 'met' : 'NOT met'})`,
      `  latency          p50 ${ms(percentile(result.latencies, 50))}, p99 ${ms(percentile(result.latencies, 99))}, max ${ms(result.latencies.at(-1) ?? NaN)}`,
      `  sandbox RSS      ${mb(before.rss)} before, ${mb(after.rss)} after, peak ${mb(after.peak)}`,
      // CPU per call does not depend on what else the machine runs; calls/s does.
      args['in-process']
        ? `  CPU per call     ${((sandboxCpuMs * 1000) / result.done).toFixed(0)} µs (sandbox and client together)`
        : `  CPU per call     sandbox ${((sandboxCpuMs * 1000) / result.done).toFixed(0)} µs, bench client ${((clientCpu.user + clientCpu.system) / result.done).toFixed(0)} µs` +
          ` (sandbox busy ${((sandboxCpuMs / 1000 / result.seconds) * 100).toFixed(0)}% of one core)`,
      `  results          ${[...result.statuses].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const unexpected = [...result.statuses.keys()].filter((k) => k !== 'APPROVED');
    if (unexpected.length > 0) process.exitCode = 1;
  } finally {
    for (const c of connections) c.close();
    await target.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
