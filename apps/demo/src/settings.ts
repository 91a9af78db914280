// Where the demo's system lives: its database, Redis prefix and ports, from the environment.
//
// The database: without DATABASE_URL the demo uses a database of its own, `rebill_demo` on the
// local server, and re-creates it at every start (so a seed repeats a run, and a developer's
// `rebill` database is never touched). With DATABASE_URL that database is used as given: created
// and migrated if needed, never dropped (the virtual clock then moves for everything in it).
import { randomBytes } from 'node:crypto';
import { DEFAULT_DATABASE_URL, withDatabase } from '../../../prisma/tools/database-url.mjs';

export const DEMO_DATABASE = 'rebill_demo';

export interface DemoSettings {
  readonly databaseUrl: string;
  /** true: the demo's own database, dropped and re-created at start. */
  readonly ownDatabase: boolean;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly apiPort: number;
  readonly webhooksPort: number;
  readonly sandboxPort: number;
  /** Enables the api's /internal/clock routes for this run only. */
  readonly operatorToken: string;
}

export function demoSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const given = nonEmpty(env.DATABASE_URL);
  return {
    databaseUrl: given ?? withDatabase(DEFAULT_DATABASE_URL, DEMO_DATABASE),
    ownDatabase: given === undefined,
    redisUrl: nonEmpty(env.REDIS_URL) ?? 'redis://127.0.0.1:6379',
    redisPrefix: nonEmpty(env.REDIS_PREFIX) ?? 'rebill-demo',
    apiPort: port('API_PORT', env.API_PORT, 3000),
    webhooksPort: port('WEBHOOKS_PORT', env.WEBHOOKS_PORT, 3001),
    sandboxPort: port('SANDBOX_PORT', env.SANDBOX_PORT, 4010),
    operatorToken: `demo-${randomBytes(16).toString('hex')}`,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function port(name: string, value: string | undefined, fallback: number): number {
  const raw = nonEmpty(value);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!/^\d+$/.test(raw) || parsed < 1 || parsed > 65_535) {
    throw new SettingsError(`${name} must be a port from 1 to 65535 (got "${raw}")`);
  }
  return parsed;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
