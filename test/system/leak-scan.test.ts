// The leak scan is not vacuous: a fake Klarna customer token, a new one for every place and
// encoding, is planted in each place the scan covers (log files, text, jsonb and bytea columns of a
// database cloned from the template, Redis strings, hashes, lists, sorted sets and streams under a
// prefix, HTTP answers) in each form a leak takes, and each must be reported where it is, in its
// form, and nothing else anywhere. Then the vault's tables: tokens sealed in their ciphertext
// columns are not leaks, a plain token in any other column of those tables is.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { k1, plantSealedRows, vaultOf } from '../../apps/billing/src/testing/sealed-rows.js';
import {
  createDatabaseFromTemplate,
  dropDatabase,
  testRedisKeyPrefix,
  testRedisUrl,
} from '../harness/index.js';
import { scanForLeaks, type Leak } from './support/leak-scan.js';
import { RecordingHttp } from './support/recording-http.js';

const fakeToken = (): string => `krn:customer-token:eu1:${randomUUID()}`;
const b64 = (text: string, alphabet: 'base64' | 'base64url' = 'base64') =>
  Buffer.from(text, 'utf8').toString(alphabet);

/** A way a token can be written down, and the form the scan must report it as. */
interface Encoding {
  readonly slug: string;
  readonly form: string;
  readonly encode: (token: string) => string;
}

const ENCODINGS: readonly Encoding[] = [
  { slug: 'raw', form: 'raw', encode: (t) => t },
  { slug: 'base64', form: 'base64', encode: (t) => b64(t) },
  { slug: 'base64url', form: 'base64url', encode: (t) => b64(t, 'base64url') },
  { slug: 'hex', form: 'hex', encode: (t) => Buffer.from(t).toString('hex') },
  { slug: 'hex_upper', form: 'HEX', encode: (t) => Buffer.from(t).toString('hex').toUpperCase() },
  {
    slug: 'url_encoded',
    form: 'url-encoded',
    encode: (t) => `https://x.example/?t=${encodeURIComponent(t)}`,
  },
  // A JSON document carried as a JSON string (a payload logged inside a log line's JSON).
  { slug: 'json_escaped', form: 'json-escaped', encode: (t) => JSON.stringify(JSON.stringify({ token: t })) },
  // Inside a larger encoded value the token's base64 depends on where it starts (offset mod 3).
  {
    slug: 'base64_in_document',
    form: 'base64',
    encode: (t) => b64(JSON.stringify({ customer_token: t })), // starts at byte 19: offset 1
  },
  {
    slug: 'base64url_in_document',
    form: 'base64url',
    encode: (t) => b64(JSON.stringify({ tok: t }), 'base64url'), // starts at byte 8: offset 2
  },
  {
    slug: 'url_encoded_lower',
    form: 'url-encoded',
    encode: (t) => encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
  },
];

/** One planted token: where the scan must report it and in which form. */
interface Plant {
  readonly token: string;
  readonly where: string;
  readonly form: string;
}

const plants: Plant[] = [];
function plant(where: string, encoding: Encoding): string {
  const token = fakeToken();
  plants.push({ token, where, form: encoding.form });
  return encoding.encode(token);
}

let logDir: string;
let databaseUrl: string;
let redis: Redis;
let redisPrefix: string;
let server: Server;
let client: pg.Client;
const http = new RecordingHttp();

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'rebill-leak-scan-'));
  databaseUrl = await createDatabaseFromTemplate();
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
  redisPrefix = `{${testRedisKeyPrefix()}leaks-${randomBytes(3).toString('hex')}}`;
  // Answers each request with the body (and header) the query asks for, as a role would.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = url.searchParams.get('header');
    res.writeHead(200, { 'content-type': 'text/plain', ...(header === null ? {} : { 'x-echo': header }) });
    res.end(url.searchParams.get('body') ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
  await client.end();
  await dropDatabase(databaseUrl);
  rmSync(logDir, { recursive: true, force: true });
});

const scan = (secrets: readonly string[]): Promise<Leak[]> =>
  scanForLeaks({
    secrets,
    logDir,
    databaseUrl,
    redis,
    redisPattern: `${redisPrefix}*`,
    httpResponses: http.responses,
  });

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await client.query<T>(text, params)).rows;
}

describe('the leak scan finds a planted token', () => {
  it('in every place and every encoding, reported where it is and in its form', async () => {
    // Process output: a log file per encoding, one in a folder (rotated logs).
    const [raw] = ENCODINGS;
    if (raw === undefined) throw new Error('no encodings');
    for (const e of ENCODINGS) {
      const line = JSON.stringify({
        level: 30,
        msg: `calling Klarna ${plant(`process output ${e.slug}.log`, e)}`,
      });
      writeFileSync(join(logDir, `${e.slug}.log`), `${line}\n`);
    }
    mkdirSync(join(logDir, 'rotated'));
    writeFileSync(join(logDir, 'rotated', 'api.log.1'), plant('process output rotated/api.log.1', raw));

    // A scratch table: a text, a jsonb and a bytea column per encoding.
    const columns = ENCODINGS.flatMap((e) => [
      `"t_${e.slug}" text`,
      `"j_${e.slug}" jsonb`,
      `"b_${e.slug}" bytea`,
    ]);
    await sql(`CREATE TABLE "LeakScratch" (id int PRIMARY KEY, ${columns.join(', ')})`);
    const values: unknown[] = [];
    for (const e of ENCODINGS) {
      values.push(`note: ${plant(`database LeakScratch.t_${e.slug}`, e)}`);
      values.push(JSON.stringify({ nested: [{ value: plant(`database LeakScratch.j_${e.slug}`, e) }] }));
      values.push(Buffer.from(`\u0000\u0001${plant(`database LeakScratch.b_${e.slug}`, e)}\u00ff`, 'latin1'));
    }
    const names = ENCODINGS.flatMap((e) => [`"t_${e.slug}"`, `"j_${e.slug}"`, `"b_${e.slug}"`]);
    await sql(
      `INSERT INTO "LeakScratch" (id, ${names.join(', ')}) VALUES (1, ${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );

    // Redis: a string, a hash (value and field name), a list, a sorted set and a stream per encoding.
    for (const e of ENCODINGS) {
      const key = (type: string) => `${redisPrefix}:${type}:${e.slug}`;
      await redis.set(key('string'), plant(`redis ${key('string')}`, e));
      await redis.hset(key('hash'), 'data', plant(`redis ${key('hash')}`, e), 'other', '1');
      await redis.hset(key('hashfield'), plant(`redis ${key('hashfield')}`, e), '1');
      await redis.rpush(key('list'), 'first', plant(`redis ${key('list')}`, e));
      await redis.zadd(key('zset'), 1, 'a', 2, plant(`redis ${key('zset')}`, e));
      await redis.xadd(key('stream'), '*', 'event', 'failed', 'reason', plant(`redis ${key('stream')}`, e));
    }
    const inName = fakeToken();
    const named = `${redisPrefix}:job:${inName}`;
    plants.push({ token: inName, where: `redis key name ${named}`, form: 'raw' });
    await redis.set(named, 'x');

    // HTTP answers: one per encoding in the body, one in a header.
    const { port } = server.address() as AddressInfo;
    for (const e of ENCODINGS) {
      const body = plant(`HTTP response #${http.responses.length}`, e);
      await http.request(`http://127.0.0.1:${port}/?body=${encodeURIComponent(body)}`, { method: 'GET' });
    }
    const header = plant(`HTTP response #${http.responses.length}`, raw);
    await http.request(`http://127.0.0.1:${port}/?header=${encodeURIComponent(header)}`, { method: 'GET' });

    const leaks = await scan(plants.map((p) => p.token));

    const missed = plants.filter(
      (p) => !leaks.some((l) => l.where === p.where && formsOf(l).includes(p.form)),
    );
    expect(missed.map((p) => `${p.where} (${p.form})`)).toEqual([]);
    const planted = new Set(plants.map((p) => p.where));
    expect(leaks.filter((l) => !planted.has(l.where))).toEqual([]);
  });

  it('finds nothing when nothing is planted', async () => {
    expect(await scan([fakeToken(), fakeToken()])).toEqual([]);
  });
});

describe("the vault's tables", () => {
  let db: Db;

  beforeAll(() => {
    db = createPrismaClient({ databaseUrl });
  });

  afterAll(async () => {
    await disconnect(db);
  });

  it('tokens sealed in the ciphertext columns are not leaks; plain ones in any column are', async () => {
    const sealed = await plantSealedRows(db, vaultOf([k1]), {
      CustomerToken: 1,
      KlarnaSigningKey: 1,
      WebhookEvent: 1,
      ChargeAttempt: 1,
      WebhookEndpointSecret: 1,
    });
    const sealedSecrets = sealed.rows.flatMap((r) => r.plaintext.split(' '));
    expect(await scan(sealedSecrets)).toEqual([]);

    // A plain token in every other text-like column of the four tables, and in each ciphertext column.
    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>(`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND table_name IN ('CustomerToken', 'KlarnaSigningKey', 'WebhookEvent', 'ChargeAttempt')
        AND data_type IN ('text', 'jsonb', 'bytea', 'ARRAY')
      ORDER BY 1, 2`);
    const expected: Plant[] = [];
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const token = fakeToken();
      expected.push({ token, where: `database ${table}.${column}`, form: 'raw' });
      const value =
        type === 'jsonb'
          ? JSON.stringify({ copied: token })
          : type === 'bytea'
            ? Buffer.from(token)
            : type === 'ARRAY'
              ? [token]
              : token;
      // One column at a time on one row per table, so a unique or check constraint sees one change.
      await sql(
        `UPDATE "${table}" SET "${column}" = $1 WHERE id = (SELECT id FROM "${table}" ORDER BY id LIMIT 1)`,
        [value],
      );
    }
    expect(expected.map((p) => p.where)).toEqual(
      expect.arrayContaining([
        'database CustomerToken.encryptedToken',
        'database CustomerToken.reference',
        'database KlarnaSigningKey.encryptedSecret',
        'database KlarnaSigningKey.klarnaSigningKeyId',
        'database WebhookEvent.payload',
        'database WebhookEvent.sealedSecrets',
        'database WebhookEvent.lastError',
        'database ChargeAttempt.sealedSessionToken',
        'database ChargeAttempt.declineReason',
      ]),
    );

    const leaks = await scan(expected.map((p) => p.token));

    expect(leaks.map((l) => l.where).sort()).toEqual(expected.map((p) => p.where).sort());
    for (const leak of leaks) expect(formsOf(leak)).toContain('raw');
  });
});

/** A form the scan cannot tell from another is reported as both: `raw or json-escaped`. */
const formsOf = (leak: Leak): string[] => leak.form.split(' or ');
