// Rebill as it runs in production, for a benchmark: its own freshly migrated database, its own
// Redis prefix, the Klarna sandbox as a child process, and the roles as child processes started
// through `apps/billing/src/main.ts` (the `rebill` CLI), each on the system clock and logging at
// warn. The webhooks role does not register with the sandbox: nothing is delivered to Rebill but
// what the benchmark posts itself. `stop()` ends every process and removes the database and the
// Redis keys, also after a failure.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { databaseNameOf, withDatabase } from '../../../../prisma/tools/database-url.mjs';
import { deployMigrations, dropDatabase } from '../../../../prisma/tools/migrations.mjs';
import { QUEUES, bullPrefix } from '../../src/queue/catalog.js';
import { spawnNode, type Child } from './child-process.js';
import { processCpuMs } from './proc-cpu.js';

export type BenchRole = 'webhooks' | 'worker' | 'scheduler';

export interface SystemOptions {
  readonly serverUrl: string;
  readonly redisUrl: string;
  readonly roles: readonly BenchRole[];
  /** Directory for V8 CPU profiles of the roles (node --cpu-prof), if wanted. */
  readonly cpuProfileDir?: string | undefined;
  /** Extra environment for the roles. */
  readonly env?: Readonly<Record<string, string>>;
}

export const SANDBOX_API_KEY = 'bench-api-key';

export class SystemUnderTest {
  readonly roles = new Map<BenchRole, Child>();
  sandbox: Child | undefined;
  sandboxUrl = '';
  webhooksUrl = '';

  private constructor(
    readonly id: string,
    readonly logDir: string,
    readonly databaseUrl: string,
    readonly redisPrefix: string,
    private readonly options: SystemOptions,
  ) {}

  get databaseName(): string {
    return databaseNameOf(this.databaseUrl);
  }

  /** Creates and migrates the database; processes start with `startProcesses()`. */
  static async create(options: SystemOptions): Promise<SystemUnderTest> {
    const id = randomBytes(4).toString('hex');
    const logDir = mkdtempSync(join(tmpdir(), `rebill-bench-${id}-`));
    const databaseUrl = withDatabase(options.serverUrl, `rebill_bench_${id}`);
    const system = new SystemUnderTest(id, logDir, databaseUrl, `rebill-bench-${id}`, options);
    await deployMigrations({ databaseUrl });
    return system;
  }

  /** The environment every Rebill process of this system gets (roles and CLI commands). */
  rebillEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      REDIS_PREFIX: this.redisPrefix,
      LOG_LEVEL: 'warn',
      CLOCK_MODE: 'system',
      KLARNA_BASE_URL: this.sandboxUrl,
      KLARNA_API_KEY: SANDBOX_API_KEY,
      ...this.options.env,
      ...extra,
    };
  }

  /** Per-role environment on top of `rebillEnv()`, e.g. a worker's concurrency (see restartRole). */
  private readonly roleEnv = new Map<BenchRole, Readonly<Record<string, string>>>();

  /** Stops a role (SIGTERM, its jobs finish) and starts it again with `env` added to its environment. */
  async restartRole(role: BenchRole, env: Readonly<Record<string, string>>): Promise<void> {
    const child = this.roles.get(role);
    this.roles.delete(role);
    if (child !== undefined) await child.stop();
    this.roleEnv.set(role, env);
    await this.startRole(role);
  }

  async startProcesses(): Promise<void> {
    this.sandbox = spawnNode('klarna-sandbox', {
      entry: 'apps/klarna-sandbox/src/main.ts',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SANDBOX_PORT: '0',
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_API_KEY,
        SANDBOX_LATENCY_MS: '0',
        SANDBOX_LOG_LEVEL: 'warn',
      },
      logFile: join(this.logDir, 'klarna-sandbox.log'),
    });
    const listening = await this.sandbox.waitFor(/listening on (http:\/\/\S+)/);
    this.sandboxUrl = listening[1] ?? '';
    await Promise.all(this.options.roles.map((role) => this.startRole(role)));
  }

  private async startRole(role: BenchRole): Promise<void> {
    const port = role === 'webhooks' ? await freePort() : 0;
    const profile =
      this.options.cpuProfileDir === undefined || role === 'scheduler'
        ? []
        : [
            '--cpu-prof',
            `--cpu-prof-dir=${this.options.cpuProfileDir}`,
            `--cpu-prof-name=${role}.cpuprofile`,
          ];
    const child = spawnNode(role, {
      entry: 'apps/billing/src/main.ts',
      args: [role],
      env: this.rebillEnv({
        ...(role === 'webhooks'
          ? { WEBHOOKS_HOST: '127.0.0.1', WEBHOOKS_PORT: String(port), WEBHOOKS_REGISTER_ON_START: 'false' }
          : {}),
        ...this.roleEnv.get(role),
      }),
      logFile: join(this.logDir, `${role}.log`),
      nodeFlags: profile,
    });
    this.roles.set(role, child);
    if (role === 'webhooks') {
      this.webhooksUrl = `http://127.0.0.1:${port}`;
      await until(`${role} answering /healthz`, child, async () => {
        const res = await fetch(`${this.webhooksUrl}/healthz`).catch(() => null);
        return res?.status === 200;
      });
    }
    if (role === 'worker') await this.waitForWorkers(child);
    // At warn level a role prints nothing once it is up: wait until it has loaded and gone quiet,
    // so its start-up (TypeScript compilation by tsx included) is not measured as load.
    // A profiled process spends more while idle (the sampler): allow for it.
    await untilQuiet(child, profile.length > 0 ? 300 : 50);
  }

  private async waitForWorkers(child: Child): Promise<void> {
    const redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    const queues = Object.values(QUEUES).map(
      (name) => new Queue(name, { connection: redis, prefix: bullPrefix(this.redisPrefix) }),
    );
    try {
      await until('worker consuming every queue', child, async () => {
        const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
        return counts.every((n) => n > 0);
      });
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      await redis.quit();
    }
  }

  /** Stops every process (SIGTERM; each should exit 0) and says how each ended. Idempotent. */
  async stopProcesses(): Promise<Record<string, number | string>> {
    const exits: Record<string, number | string> = {};
    const roles = [...this.roles];
    this.roles.clear();
    await Promise.all(
      roles.map(async ([role, child]) => {
        exits[role] = await child.stop();
      }),
    );
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    if (sandbox !== undefined) exits.sandbox = await sandbox.stop();
    return exits;
  }

  /** Stops what still runs, drops the database (unless kept for a look), removes the Redis keys. */
  async stop(options: { keepDatabase?: boolean } = {}): Promise<Record<string, number | string>> {
    const exits = await this.stopProcesses();
    if (options.keepDatabase !== true) await dropDatabase(this.databaseUrl);
    const redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      await deleteKeys(redis, `${bullPrefix(this.redisPrefix)}*`);
    } finally {
      await redis.quit();
    }
    return exits;
  }
}

async function until(
  what: string,
  child: Child,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    const exited = await Promise.race([child.exited, sleep(100).then(() => null)]);
    if (exited !== null) throw new Error(`${child.name} exited (${String(exited)}):\n${child.output()}`);
  }
  throw new Error(`${child.name}: not ${what} within ${timeoutMs} ms:\n${child.output()}`);
}

/** Until the process used under `quietMs` of CPU over a second (after its start-up burst). */
async function untilQuiet(child: Child, quietMs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = processCpuMs(child.pid);
  while (Date.now() < deadline) {
    await sleep(1_000);
    const now = processCpuMs(child.pid);
    if (Number.isNaN(now)) throw new Error(`${child.name} is gone:\n${child.output()}`);
    if (now - last < quietMs) return;
    last = now;
  }
  throw new Error(`${child.name} did not go quiet within ${timeoutMs} ms`);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
