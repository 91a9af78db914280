// The secret-leak scan over a whole test world: every raw Klarna customer token the sandbox issued
// (and every network session token its webhooks carried), in the forms a leak takes (raw, base64
// and base64url at any alignment, hex, URL-encoded, JSON-escaped), searched for in every file of
// the process-output folder (sub-folders too), every column of the world's database that can hold
// text or bytes, every Redis key name, value and hash field under the world's prefix (job data,
// failedReason, stack traces) and every HTTP answer (headers and body).
//
// The vault's ciphertext columns are searched like any other: AES-GCM output carries no trace of
// its plaintext, so a sealed token is never reported there, while a raw one stored by mistake is.
// test/system/leak-scan.test.ts plants a token in each place and form to prove none is missed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';

export interface LeakSources {
  /** The raw secrets to look for. */
  readonly secrets: readonly string[];
  /** Folder whose files (at any depth) are process output. */
  readonly logDir: string;
  readonly databaseUrl: string;
  readonly redis: Redis;
  /** Redis MATCH pattern of the world's keys. */
  readonly redisPattern: string;
  readonly httpResponses: readonly string[];
}

export interface Leak {
  readonly where: string;
  /** How it was written, e.g. `hex`; forms that look the same for this secret are joined by ` or `. */
  readonly form: string;
}

/** Column types that cannot hold a secret's text; every other column is read as text or bytes. */
const NON_TEXT_TYPES = new Set([
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'real',
  'double precision',
  'boolean',
  'date',
  'interval',
  'uuid',
  'time without time zone',
  'time with time zone',
  'timestamp without time zone',
  'timestamp with time zone',
]);

/**
 * base64 of the secret wherever it starts inside a larger encoded value: at a byte offset of
 * 0, 1 or 2 (mod 3) it encodes differently, so each alignment has its own needle: the characters
 * that depend on the secret's bytes alone.
 */
function base64Needles(raw: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString(alphabet);
    return encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + raw.length)) / 6));
  });
}

/** The encodings a leaked secret would show up in; needles that coincide are one form. */
export function leakForms(secret: string): { form: string; needle: Buffer }[] {
  const raw = Buffer.from(secret, 'utf8');
  const urlEncoded = encodeURIComponent(secret);
  const forms: [string, string][] = [
    ['raw', secret],
    ...base64Needles(raw, 'base64').map((n): [string, string] => ['base64', n]),
    ...base64Needles(raw, 'base64url').map((n): [string, string] => ['base64url', n]),
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
    ['url-encoded', urlEncoded],
    // Percent-escapes are case-insensitive; some encoders write them in lower case.
    ['url-encoded', urlEncoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())],
    ['json-escaped', JSON.stringify(secret).slice(1, -1)],
  ];
  const byNeedle = new Map<string, Set<string>>();
  for (const [form, text] of forms) byNeedle.set(text, (byNeedle.get(text) ?? new Set()).add(form));
  return [...byNeedle].map(([text, names]) => ({
    form: [...names].join(' or '),
    needle: Buffer.from(text, 'utf8'),
  }));
}

/** What to search for: every form of every secret, computed once per scan. */
export type Needles = readonly { readonly form: string; readonly needle: Buffer }[];

export function needlesFor(secrets: readonly string[]): Needles {
  return secrets.filter((s) => s.length >= 8).flatMap(leakForms);
}

export function findIn(haystack: Buffer | string, needles: Needles, where: string): Leak[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  const forms = new Set<string>();
  for (const { form, needle } of needles) if (bytes.includes(needle)) forms.add(form);
  return [...forms].map((form) => ({ where, form }));
}

export async function scanForLeaks(sources: LeakSources): Promise<Leak[]> {
  const needles = needlesFor(sources.secrets);
  if (needles.length === 0) return [];
  const leaks: Leak[] = [];
  for (const name of filesUnder(sources.logDir)) {
    leaks.push(...findIn(readFileSync(join(sources.logDir, name)), needles, `process output ${name}`));
  }
  sources.httpResponses.forEach((text, i) => leaks.push(...findIn(text, needles, `HTTP response #${i}`)));
  leaks.push(...(await scanDatabase(sources.databaseUrl, needles)));
  leaks.push(...(await scanRedis(sources.redis, sources.redisPattern, needles)));
  return leaks;
}

/** Paths of the files under `dir`, relative to it, at any depth. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

async function scanDatabase(databaseUrl: string, needles: Needles): Promise<Leak[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string; data_type: string }>(`
      SELECT c.table_name, c.column_name, c.data_type
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`);
    const leaks: Leak[] = [];
    for (const { table_name: table, column_name: column, data_type: type } of columns.rows) {
      if (NON_TEXT_TYPES.has(type)) continue;
      const name = pg.escapeIdentifier(column);
      const expression = type === 'bytea' ? name : `convert_to(${name}::text, 'UTF8')`;
      const rows = await client.query<{ value: Buffer }>(
        `SELECT ${expression} AS value FROM ${pg.escapeIdentifier(table)} WHERE ${name} IS NOT NULL`,
      );
      for (const row of rows.rows) leaks.push(...findIn(row.value, needles, `database ${table}.${column}`));
    }
    return leaks;
  } finally {
    await client.end();
  }
}

async function scanRedis(redis: Redis, pattern: string, needles: Needles): Promise<Leak[]> {
  const leaks: Leak[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      leaks.push(...findIn(key, needles, `redis key name ${key}`));
      for (const value of await redisValues(redis, key))
        leaks.push(...findIn(value, needles, `redis ${key}`));
    }
  } while (cursor !== '0');
  return leaks;
}

/** Every byte string stored under `key`: values, hash field names, set members, stream fields. */
async function redisValues(redis: Redis, key: string): Promise<Buffer[]> {
  switch (await redis.type(key)) {
    case 'string': {
      const value = await redis.getBuffer(key);
      return value === null ? [] : [value];
    }
    case 'hash': {
      const fields = await redis.hgetallBuffer(key);
      return [...Object.keys(fields).map((field) => Buffer.from(field, 'utf8')), ...Object.values(fields)];
    }
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
