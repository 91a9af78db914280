// A whole Rebill against the real klarna-sandbox, for one test file: its own database (a copy of
// the run's migrated template: the shared virtual clock lives in it), its own Redis prefix, the
// sandbox in this process over HTTP, and each role as a real OS process started through the CLI,
// as `npm run rebill -- <role>` would. `stop()` ends the roles with SIGTERM (each must exit 0),
// scans everything the world wrote for leaked tokens, and removes the database and Redis keys.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startSandbox, type TestSandbox } from '../../../apps/klarna-sandbox/src/testing/harness.js';
import {
  createDatabaseFromTemplate,
  dropDatabase,
  testRedisKeyPrefix,
  testRedisUrl,
} from '../../harness/index.js';
import { scanForLeaks, type Leak } from './leak-scan.js';
import { freePort } from './ports.js';
import { RecordingHttp, type HttpAnswer } from './recording-http.js';
import { logFields, spawnRebill, type RoleProcess } from './role-process.js';

export type RoleName = 'api' | 'webhooks' | 'worker' | 'scheduler';
export const ALL_ROLES: readonly RoleName[] = ['api', 'webhooks', 'worker', 'scheduler'];

export interface WorldOptions {
  readonly roles?: readonly RoleName[];
  /** Extra environment for every process. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Give the worker and the scheduler their ops servers (/healthz, /readyz, /metrics) on free
   * ports. Off by default: a world that runs two workers at once would have them fight for one.
   */
  readonly opsServers?: boolean;
}

export interface Merchant {
  readonly id: string;
  readonly apiKey: string;
  readonly klarnaAccount: string;
}

/** The line each role prints once it is serving. */
const READY_MESSAGE: Record<RoleName, string> = {
  api: 'listening',
  webhooks: 'listening',
  worker: 'working',
  scheduler: 'sweeping',
};

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export class World {
  readonly roles = new Map<RoleName, RoleProcess>();
  readonly http = new RecordingHttp();
  private commandCount = 0;

  private constructor(
    readonly id: string,
    readonly logDir: string,
    readonly databaseUrl: string,
    readonly redisPrefix: string,
    readonly sandbox: TestSandbox,
    readonly env: NodeJS.ProcessEnv,
    readonly apiUrl: string,
    readonly webhooksUrl: string,
    private readonly redis: Redis,
  ) {}

  static async start(options: WorldOptions = {}): Promise<World> {
    const id = randomBytes(4).toString('hex');
    const logDir = mkdtempSync(join(tmpdir(), `rebill-world-${id}-`));
    mkdirSync(logDir, { recursive: true });
    const databaseUrl = await createDatabaseFromTemplate();
    const sandbox = await startSandbox({ logLevel: 'warn' });
    const [apiPort, webhooksPort] = [await freePort(), await freePort()];
    const redisPrefix = `${testRedisKeyPrefix()}${id}`;
    const opsPorts: Record<string, string> = options.opsServers
      ? { WORKER_METRICS_PORT: String(await freePort()), SCHEDULER_METRICS_PORT: String(await freePort()) }
      : {};
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'info',
      CLOCK_MODE: 'virtual',
      KLARNA_BASE_URL: sandbox.baseUrl,
      KLARNA_API_KEY: sandbox.config.apiKey,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      WEBHOOKS_HOST: '127.0.0.1',
      WEBHOOKS_PORT: String(webhooksPort),
      OPERATOR_TOKEN,
      SCHEDULER_TICK_MS: '200',
      WORKER_CONCURRENCY: '8',
      ...opsPorts,
      ...options.env,
    };
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
    const world = new World(
      id,
      logDir,
      databaseUrl,
      redisPrefix,
      sandbox,
      env,
      `http://127.0.0.1:${apiPort}`,
      `http://127.0.0.1:${webhooksPort}`,
      redis,
    );
    try {
      await Promise.all((options.roles ?? ALL_ROLES).map((role) => world.startRole(role)));
    } catch (error) {
      await world.stop({ scan: false }).catch(() => undefined);
      throw error;
    }
    return world;
  }

  /** Where a role answers /healthz, /readyz and /metrics (worker and scheduler: with `opsServers`). */
  opsUrl(role: RoleName): string {
    if (role === 'api') return this.apiUrl;
    if (role === 'webhooks') return this.webhooksUrl;
    const port = this.env[role === 'worker' ? 'WORKER_METRICS_PORT' : 'SCHEDULER_METRICS_PORT'];
    if (port === undefined) throw new Error(`the ${role} has no ops server: start the world with opsServers`);
    return `http://127.0.0.1:${port}`;
  }

  async startRole(role: RoleName): Promise<RoleProcess> {
    const process = spawnRebill(role, [role], this.env, join(this.logDir, `${role}-${Date.now()}.log`));
    this.roles.set(role, process);
    await process.waitForLine((line) => logFields(line)?.msg === READY_MESSAGE[role], 120_000);
    return process;
  }

  /** SIGTERM; resolves with the exit code (0 for a clean stop). */
  async stopRole(role: RoleName): Promise<number | string> {
    const process = this.roles.get(role);
    if (process === undefined) return 0;
    this.roles.delete(role);
    return process.stop();
  }

  /** Runs a `rebill` CLI command to completion; its output is captured like a role's. */
  async command(
    args: readonly string[],
  ): Promise<{ code: number | string; stdout: string; lines: readonly string[] }> {
    this.commandCount += 1;
    const process = spawnRebill(
      args.join(' '),
      args,
      this.env,
      join(this.logDir, `cli-${this.commandCount}.log`),
    );
    const code = await process.exited;
    return { code, stdout: process.lines.join('\n'), lines: process.lines };
  }

  async createMerchant(name = `Merchant ${randomBytes(2).toString('hex')}`): Promise<Merchant> {
    const klarnaAccount = `krn:partner:global:account:test:M${randomBytes(5).toString('hex').toUpperCase()}`;
    const result = await this.command([
      'merchant',
      'create',
      '--name',
      name,
      '--klarna-account',
      klarnaAccount,
    ]);
    const start = result.stdout.indexOf('{\n');
    if (result.code !== 0 || start < 0) {
      throw new Error(`merchant create failed (${String(result.code)}):\n${result.stdout}`);
    }
    const created = JSON.parse(result.stdout.slice(start, result.stdout.lastIndexOf('}') + 1)) as {
      merchant_id: string;
      api_key: string;
    };
    return { id: created.merchant_id, apiKey: created.api_key, klarnaAccount };
  }

  /** A call to the merchant API with a merchant's key. */
  async api<T = Record<string, unknown>>(
    merchant: Merchant | null,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (merchant !== null) headers.authorization = `Bearer ${merchant.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return this.http.request<T>(`${this.apiUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  }

  /**
   * Moves the shared virtual clock (and the sandbox's) through the operator endpoint and waits
   * until every due sweep ran and the queues are drained. `PT1S` is how a test lets everything
   * in flight (webhook deliveries, jobs) settle.
   */
  async advanceClock(duration: string, step?: string): Promise<void> {
    const res = await this.http.request<unknown>(`${this.apiUrl}/internal/clock/advance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(step === undefined ? { by: duration } : { by: duration, step }),
    });
    if (res.status !== 200) throw new Error(`clock advance ${duration}: ${res.status} ${res.text}`);
  }

  /** The same through the CLI, as an operator would: `rebill clock advance <duration>`. */
  async advanceClockWithCli(duration: string): Promise<void> {
    const result = await this.command(['clock', 'advance', duration]);
    if (result.code !== 0)
      throw new Error(`clock advance ${duration} failed (${String(result.code)}):\n${result.stdout}`);
  }

  async sql<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Every raw secret the sandbox handed out: customer tokens, and the session tokens its webhooks carried. */
  async issuedSecrets(): Promise<string[]> {
    const tokens = await this.sandbox.sim<{ customer_tokens: { customer_token: string }[] }>(
      'GET',
      '/customer-tokens',
    );
    const deliveries = await this.sandbox.sim<{ deliveries: { envelope?: { payload?: unknown } }[] }>(
      'GET',
      '/webhook-deliveries',
    );
    const sessionTokens = new Set<string>();
    for (const delivery of deliveries.body.deliveries ?? []) {
      const text = JSON.stringify(delivery.envelope ?? {});
      for (const match of text.matchAll(/krn:payment:[a-z0-9]+:klarna-network-session-token:[0-9a-f-]+/g)) {
        sessionTokens.add(match[0]);
      }
    }
    return [...tokens.body.customer_tokens.map((t) => t.customer_token), ...sessionTokens];
  }

  async scanForLeaks(): Promise<Leak[]> {
    return scanForLeaks({
      secrets: await this.issuedSecrets(),
      logDir: this.logDir,
      databaseUrl: this.databaseUrl,
      redis: this.redis,
      redisPattern: `{${this.redisPrefix}}*`,
      httpResponses: this.http.responses,
    });
  }

  /**
   * Stops every role (each must exit 0 on SIGTERM), scans for leaks (throws naming them), then
   * removes what the world made.
   */
  async stop(options: { scan?: boolean } = {}): Promise<void> {
    const exits = await Promise.all(
      [...this.roles.keys()].map(async (role) => [role, await this.stopRole(role)] as const),
    );
    let leaks: Leak[] = [];
    try {
      if (options.scan !== false) leaks = await this.scanForLeaks();
    } finally {
      await this.sandbox.close();
      await deleteKeys(this.redis, `{${this.redisPrefix}}*`);
      await this.redis.quit();
      await dropDatabase(this.databaseUrl);
    }
    const unclean = exits.filter(([, how]) => how !== 0);
    if (unclean.length > 0) {
      throw new Error(
        `roles did not stop cleanly: ${unclean.map(([r, how]) => `${r}=${String(how)}`).join(', ')}`,
      );
    }
    if (leaks.length > 0) {
      throw new Error(`raw secrets leaked:\n${leaks.map((l) => `- ${l.where} (${l.form})`).join('\n')}`);
    }
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
