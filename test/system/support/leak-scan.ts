// The secret-leak scan over a whole test world: every raw Klarna customer token the sandbox issued
// (and every network session token its webhooks carried), in the forms a leak takes (raw, base64,
// base64url, hex, URL-encoded, JSON-escaped), searched for in every process's output, every text,
// JSON and bytea column of the world's database except the vault's ciphertext columns, every Redis
// value under the world's prefix (job data, failedReason, stack traces) and every HTTP answer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';

export interface LeakSources {
  /** The raw secrets to look for. */
  readonly secrets: readonly string[];
  /** Folder whose files are process output. */
  readonly logDir: string;
  readonly databaseUrl: string;
  readonly redis: Redis;
  /** Redis MATCH pattern of the world's keys. */
  readonly redisPattern: string;
  readonly httpResponses: readonly string[];
}

export interface Leak {
  readonly where: string;
  readonly form: string;
}

/** Columns that hold vault ciphertext: the one place a token may be (encrypted). */
const CIPHERTEXT_COLUMNS = new Set([
  'CustomerToken.encryptedToken',
  'ChargeAttempt.sealedSessionToken',
  'WebhookEvent.sealedSecrets',
  'KlarnaSigningKey.encryptedSecret',
]);

/** The encodings a leaked secret would show up in. */
export function leakForms(secret: string): { form: string; needle: Buffer }[] {
  const raw = Buffer.from(secret, 'utf8');
  const forms = [
    ['raw', secret],
    ['base64', raw.toString('base64')],
    ['base64url', raw.toString('base64url')],
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
    ['url-encoded', encodeURIComponent(secret)],
    ['json-escaped', JSON.stringify(secret).slice(1, -1)],
  ] as const;
  const seen = new Set<string>();
  return forms
    .filter(([, text]) => !seen.has(text) && seen.add(text))
    .map(([form, text]) => ({ form, needle: Buffer.from(text, 'utf8') }));
}

export function findIn(haystack: Buffer | string, secrets: readonly string[], where: string): Leak[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    for (const { form, needle } of leakForms(secret)) {
      if (bytes.includes(needle)) leaks.push({ where, form });
    }
  }
  return leaks;
}

export async function scanForLeaks(sources: LeakSources): Promise<Leak[]> {
  const secrets = sources.secrets.filter((s) => s.length >= 8);
  if (secrets.length === 0) return [];
  const leaks: Leak[] = [];
  for (const name of readdirSync(sources.logDir)) {
    leaks.push(...findIn(readFileSync(join(sources.logDir, name)), secrets, `process output ${name}`));
  }
  sources.httpResponses.forEach((text, i) => leaks.push(...findIn(text, secrets, `HTTP response #${i}`)));
  leaks.push(...(await scanDatabase(sources.databaseUrl, secrets)));
  leaks.push(...(await scanRedis(sources.redis, sources.redisPattern, secrets)));
  return leaks;
}

async function scanDatabase(databaseUrl: string, secrets: readonly string[]): Promise<Leak[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string; data_type: string }>(`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'bytea', 'ARRAY')`);
    const leaks: Leak[] = [];
    for (const { table_name: table, column_name: column, data_type: type } of columns.rows) {
      if (CIPHERTEXT_COLUMNS.has(`${table}.${column}`)) continue;
      const expression = type === 'bytea' ? `"${column}"` : `convert_to("${column}"::text, 'UTF8')`;
      const rows = await client.query<{ value: Buffer }>(
        `SELECT ${expression} AS value FROM "${table}" WHERE "${column}" IS NOT NULL`,
      );
      for (const row of rows.rows) leaks.push(...findIn(row.value, secrets, `database ${table}.${column}`));
    }
    return leaks;
  } finally {
    await client.end();
  }
}

async function scanRedis(redis: Redis, pattern: string, secrets: readonly string[]): Promise<Leak[]> {
  const leaks: Leak[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      leaks.push(...findIn(key, secrets, `redis key name ${key}`));
      for (const value of await redisValues(redis, key))
        leaks.push(...findIn(value, secrets, `redis ${key}`));
    }
  } while (cursor !== '0');
  return leaks;
}

async function redisValues(redis: Redis, key: string): Promise<Buffer[]> {
  switch (await redis.type(key)) {
    case 'string': {
      const value = await redis.getBuffer(key);
      return value === null ? [] : [value];
    }
    case 'hash':
      return Object.values(await redis.hgetallBuffer(key));
    case 'list':
      return redis.lrangeBuffer(key, 0, -1);
    case 'set':
      return redis.smembersBuffer(key);
    case 'zset':
      return redis.zrangeBuffer(key, '0', '-1');
    case 'stream': {
      const entries = await redis.xrangeBuffer(key, '-', '+');
      return entries.flatMap(([, fields]) => fields);
    }
    default:
      return [];
  }
}
