// The system the demo shows: the Klarna sandbox, then Rebill's four roles, each its own process
// started as `npm run rebill -- <role>` would start it, all on one clock (virtual unless
// --real-time). Ready means: the sandbox answers, every role printed its ready line, and the api and
// webhooks answer /readyz (the webhooks role has registered with the sandbox).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoSettings } from '../settings.js';
import type { Child } from './child.js';
import type { Supervisor } from './supervisor.js';

export const ROLES = ['api', 'webhooks', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

/** The pino message each role logs once it serves. */
const READY_MESSAGE: Record<Role, string> = {
  api: 'listening',
  webhooks: 'listening',
  worker: 'working',
  scheduler: 'sweeping',
};
const START_TIMEOUT_MS = 180_000;
/** Set on both sides, so a developer's .env (which the roles read) cannot point them at another key. */
const SANDBOX_API_KEY = 'sandbox-api-key';

export interface RunningSystem {
  readonly apiUrl: string;
  readonly webhooksUrl: string;
  readonly sandboxUrl: string;
  /** The environment of every Rebill process (roles and CLI commands). */
  readonly rebillEnv: NodeJS.ProcessEnv;
}

export type ClockMode = 'virtual' | 'system';

export function sandboxUrlOf(settings: DemoSettings): string {
  return `http://127.0.0.1:${settings.sandboxPort}`;
}

/** Starts the Klarna sandbox; resolves once it listens. */
export async function startSandbox(
  supervisor: Supervisor,
  settings: DemoSettings,
  logDir: string,
): Promise<void> {
  const sandbox = supervisor.start({
    name: 'klarna-sandbox',
    entry: 'apps/klarna-sandbox/src/main.ts',
    env: {
      ...process.env,
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_PORT: String(settings.sandboxPort),
      SANDBOX_API_KEY: SANDBOX_API_KEY,
      SANDBOX_LOG_LEVEL: 'warn',
    },
    logFile: join(logDir, 'klarna-sandbox.log'),
    stopLast: true,
  });
  await sandbox.waitForLine((line) => line.startsWith('Klarna sandbox listening on'), START_TIMEOUT_MS);
}

/** The environment of every Rebill process of the demo (roles and CLI commands). */
export function rebillEnvironment(settings: DemoSettings, clock: ClockMode): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: settings.redisPrefix,
    LOG_LEVEL: 'info',
    CLOCK_MODE: clock,
    CLOCK_SANDBOX: 'on',
    KLARNA_BASE_URL: sandboxUrlOf(settings),
    KLARNA_API_KEY: SANDBOX_API_KEY,
    API_HOST: '127.0.0.1',
    API_PORT: String(settings.apiPort),
    WEBHOOKS_HOST: '127.0.0.1',
    WEBHOOKS_PORT: String(settings.webhooksPort),
    WEBHOOKS_PUBLIC_URL: `http://127.0.0.1:${settings.webhooksPort}/klarna/webhooks`,
    WEBHOOKS_REGISTER_ON_START: 'true',
    OPERATOR_TOKEN: settings.operatorToken,
    // A demo sweeps often: a simulated day passes in well under a second.
    SCHEDULER_TICK_MS: '200',
    WORKER_CONCURRENCY: '16',
  };
}

/** Starts the four roles (the database migrated, the sandbox up); resolves once all are ready. */
export async function startRoles(
  supervisor: Supervisor,
  settings: DemoSettings,
  env: NodeJS.ProcessEnv,
  logDir: string,
): Promise<RunningSystem> {
  await Promise.all(ROLES.map((role) => startRole(supervisor, role, env, logDir)));
  const apiUrl = `http://127.0.0.1:${settings.apiPort}`;
  const webhooksUrl = `http://127.0.0.1:${settings.webhooksPort}`;
  await Promise.all([untilReady(`${apiUrl}/readyz`), untilReady(`${webhooksUrl}/readyz`)]);
  return { apiUrl, webhooksUrl, sandboxUrl: sandboxUrlOf(settings), rebillEnv: env };
}

async function startRole(
  supervisor: Supervisor,
  role: Role,
  env: NodeJS.ProcessEnv,
  logDir: string,
): Promise<Child> {
  const child = supervisor.start({
    name: role,
    entry: 'apps/billing/src/main.ts',
    args: [role],
    env,
    logFile: join(logDir, `${role}.log`),
  });
  await child.waitForLine((line) => pinoMessage(line) === READY_MESSAGE[role], START_TIMEOUT_MS);
  return child;
}

function pinoMessage(line: string): unknown {
  if (!line.startsWith('{')) return undefined;
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg;
  } catch {
    return undefined;
  }
}

async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await fetch(url).catch(() => null);
    if (res?.status === 200) return;
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200 within ${START_TIMEOUT_MS / 1000} s`);
}
