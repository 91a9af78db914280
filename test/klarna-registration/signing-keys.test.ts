// Rebill's webhook registration and signing-key rotation against the real sandbox, on a database
// of this file's own. Deliveries the sandbox signs are recorded by a receiver here, then handed to
// Rebill's real webhook ingester (its SigningKeyRing, the vault, the database) whenever a test
// says, so a delivery signed before a rotation can arrive after it, as one in flight would.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseKlarnaArgs,
  runKlarnaWebhookCommand,
} from '../../apps/billing/src/cli/klarna-webhook-commands.js';
import { systemClock, type Clock } from '../../apps/billing/src/domain/index.js';
import { capturingLogger } from '../../apps/billing/src/klarna/klarna.test-support.js';
import { KlarnaHttp } from '../../apps/billing/src/klarna/http.js';
import { KlarnaNetworkGateway } from '../../apps/billing/src/klarna/klarna-network-gateway.js';
import { KlarnaNotifications } from '../../apps/billing/src/klarna/notifications.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { Keyring } from '../../apps/billing/src/vault/keyring.js';
import { Vault } from '../../apps/billing/src/vault/vault.js';
import { buildWebhooksApp } from '../../apps/billing/src/webhooks/app.js';
import { MerchantDirectory } from '../../apps/billing/src/webhooks/merchant-directory.js';
import {
  ensureWebhookRegistration,
  type RegistrationDeps,
} from '../../apps/billing/src/webhooks/registration.js';
import { SIGNING_KEYS_MAX_AGE_MS, SigningKeyRing } from '../../apps/billing/src/webhooks/signing-key-ring.js';
import { startSandbox, type TestSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import { createDatabaseFromTemplate, dropDatabase } from '../harness/index.js';
import { key, signupInput } from '../klarna-client/client-fixtures.js';

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Takes every POST, answers 200 and keeps it: Rebill sees it only when a test hands it over. */
class Recorder {
  readonly deliveries: Delivery[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/klarna/webhooks`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let databaseUrl: string;
let db: Db;
let sb: TestSandbox;
let http: KlarnaHttp;
let deps: RegistrationDeps;
let url: string;
const recorder = new Recorder();
// The webhooks role's ring, on a clock the tests move (its reload pacing is real time).
let ringNow = Date.parse('2026-03-01T00:00:00Z');
const ringClock: Clock = { now: () => new Date(ringNow) };
let ring: SigningKeyRing;
let ingester: ReturnType<typeof buildWebhooksApp>;

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  sb = await startSandbox();
  http = new KlarnaHttp({ baseUrl: sb.baseUrl, apiKey: sb.config.apiKey, logger: capturingLogger() });
  const vault = new Vault(
    new Keyring({
      encryptionKeys: [{ id: 'v1', key: randomBytes(32) }],
      fingerprintKey: { id: 'fp', key: randomBytes(32) },
    }),
  );
  deps = { db, clock: systemClock, vault, notifications: new KlarnaNotifications(http) };
  url = await recorder.start();
  ring = new SigningKeyRing(db, vault, ringClock);
  ingester = buildWebhooksApp({
    db,
    clock: systemClock,
    vault,
    keys: ring,
    merchants: new MerchantDirectory(db),
    log: pino({ level: 'silent' }),
    apply: () => Promise.resolve(),
    ready: () => Promise.resolve({ ok: true, checks: {} }),
  });
});

afterAll(async () => {
  await ingester.close();
  await recorder.close();
  await http.close();
  await sb.close();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

/** Starts a signup at the sandbox and returns the (first) delivery it caused. */
async function newDelivery(): Promise<Delivery> {
  const started = await new KlarnaNetworkGateway(http).startSignup(signupInput(), key());
  if (started.kind !== 'answered' || started.paymentRequest === null) throw new Error('signup');
  const id = started.paymentRequest.paymentRequestId;
  const until = Date.now() + 5_000;
  for (;;) {
    const found = recorder.deliveries.find((d) => d.body.toString('utf8').includes(id));
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`no delivery for ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Hands a recorded delivery to Rebill's ingester; its status and problem detail. */
async function ingest(delivery: Delivery): Promise<{ status: number; detail?: string }> {
  const res = await ingester.inject({
    method: 'POST',
    url: '/klarna/webhooks',
    headers: {
      'content-type': 'application/json',
      'klarna-signing-key-id': String(delivery.headers['klarna-signing-key-id']),
      'klarna-signature': String(delivery.headers['klarna-signature']),
    },
    payload: delivery.body,
  });
  const body = res.json<{ detail?: string }>();
  return { status: res.statusCode, ...(body.detail === undefined ? {} : { detail: body.detail }) };
}

const signedWith = (d: Delivery): string => String(d.headers['klarna-signing-key-id']);

async function atKlarna(): Promise<{ keys: string[]; webhooks: { url: string; signing_key_id: string }[] }> {
  const keys = await sb.request<{ signing_keys: { signing_key_id: string }[] }>(
    'GET',
    '/v2/notification/signing-keys',
  );
  const hooks = await sb.request<{ webhooks: { url: string; signing_key_id: string }[] }>(
    'GET',
    '/v2/notification/webhooks',
  );
  return { keys: keys.body.signing_keys.map((k) => k.signing_key_id), webhooks: hooks.body.webhooks };
}

async function command(
  argv: string[],
): Promise<{ code: number; result: Record<string, unknown>; err: string }> {
  const parsed = parseKlarnaArgs(argv);
  if (parsed.kind === 'usage_error') throw new Error(parsed.message);
  let out = '';
  let err = '';
  const code = await runKlarnaWebhookCommand(parsed, deps, url, {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
  });
  return { code, result: JSON.parse(out) as Record<string, unknown>, err };
}

const rows = () => db.klarnaSigningKey.findMany({ orderBy: { createdAt: 'asc' } });

describe('webhook registration', () => {
  it('registers once: run twice, Klarna holds one key and one webhook', async () => {
    const first = await command(['register-webhook']);
    expect(first).toMatchObject({ code: 0, result: { url, kind: 'registered', created: true } });
    const second = await ensureWebhookRegistration(deps, url);
    expect(second).toEqual({ ...first.result, url: undefined, created: false, kind: 'registered' });

    const klarna = await atKlarna();
    expect(klarna.keys).toEqual([first.result.signingKeyId]);
    expect(klarna.webhooks).toEqual([
      expect.objectContaining({ url, signing_key_id: first.result.signingKeyId }),
    ]);
    expect(await rows()).toEqual([
      expect.objectContaining({ klarnaSigningKeyId: first.result.signingKeyId, status: 'ACTIVE' }),
    ]);
    expect(await db.klarnaWebhookRegistration.findMany()).toEqual([
      expect.objectContaining({ url, klarnaWebhookId: first.result.webhookId }),
    ]);
    expect((await ingest(await newDelivery())).status).toBe(200);
  });

  it('a Klarna that forgot everything gets a new key and webhook; the forgotten key is retired', async () => {
    const [before] = await rows();
    await sb.sim('POST', '/reset');
    expect(await atKlarna()).toEqual({ keys: [], webhooks: [] });

    const again = await ensureWebhookRegistration(deps, url);

    expect(again).toMatchObject({ kind: 'registered', created: true });
    if (again.kind !== 'registered') return;
    expect(again.signingKeyId).not.toBe(before?.klarnaSigningKeyId);
    const klarna = await atKlarna();
    expect(klarna.keys).toEqual([again.signingKeyId]);
    expect(klarna.webhooks).toEqual([expect.objectContaining({ url, signing_key_id: again.signingKeyId })]);
    expect(await rows()).toEqual([
      expect.objectContaining({ id: before?.id, status: 'RETIRED', retiredAt: expect.any(Date) as unknown }),
      expect.objectContaining({ klarnaSigningKeyId: again.signingKeyId, status: 'ACTIVE' }),
    ]);
    expect(await ensureWebhookRegistration(deps, url)).toMatchObject({ kind: 'registered', created: false });
  });
});

describe('signing key rotation', () => {
  let oldKey = '';
  let newKey = '';
  let signedOldInFlight: Delivery;
  let signedOldLate: Delivery;
  let signedNew: Delivery;

  it('rotate: the webhook moves to a new key; deliveries signed with either still verify', async () => {
    // Two deliveries signed with the current key, held back as if still in flight.
    signedOldInFlight = await newDelivery();
    signedOldLate = await newDelivery();
    oldKey = signedWith(signedOldInFlight);
    await ring.reload(); // the running role knows the old key only

    const rotated = await command(['rotate-signing-key']);

    expect(rotated).toMatchObject({ code: 0, err: '', result: { kind: 'rotated', stillAccepted: [oldKey] } });
    newKey = String(rotated.result.signingKeyId);
    expect(newKey).not.toBe(oldKey);
    const klarna = await atKlarna();
    expect(klarna.keys.sort()).toEqual([oldKey, newKey].sort());
    expect(klarna.webhooks).toEqual([
      expect.objectContaining({ url, signing_key_id: newKey, webhook_id: rotated.result.webhookId }),
    ]);
    expect(
      (await rows())
        .filter((r) => r.status === 'ACTIVE')
        .map((r) => r.klarnaSigningKeyId)
        .sort(),
    ).toEqual([oldKey, newKey].sort());

    signedNew = await newDelivery();
    expect(signedWith(signedNew)).toBe(newKey);
    // The ring has not seen the new key: it reloads on the unknown id (after its 1 s pacing).
    ringNow += 1_000;
    expect(await ingest(signedNew)).toEqual({ status: 200 });
    expect(await ingest(signedOldInFlight)).toEqual({ status: 200 });
    // Registration at the next start keeps the rotated webhook.
    expect(await ensureWebhookRegistration(deps, url)).toMatchObject({
      kind: 'registered',
      created: false,
      signingKeyId: newKey,
    });
  });

  it('retire refuses the key the webhook signs with', async () => {
    const refused = await command(['retire-signing-key', newKey]);
    expect(refused).toMatchObject({ code: 1, result: { kind: 'in_use', signingKeyId: newKey } });
    expect(refused.err).toContain('run rotate-signing-key first');
    expect(await atKlarna()).toMatchObject({ keys: expect.arrayContaining([newKey]) as unknown });
  });

  it('retire: the old key stops verifying (in this process within the ring max age) and is deleted at Klarna', async () => {
    const retired = await command(['retire-signing-key', oldKey]);

    expect(retired).toMatchObject({
      code: 0,
      result: { kind: 'retired', signingKeyId: oldKey, changed: true, deletedAtKlarna: true },
    });
    expect((await atKlarna()).keys).toEqual([newKey]);
    expect(await db.klarnaSigningKey.findUnique({ where: { klarnaSigningKeyId: oldKey } })).toMatchObject({
      status: 'RETIRED',
    });
    const audit = await db.auditEvent.findFirst({
      where: { entityType: 'klarna_signing_key', action: 'klarna_signing_key.retired', actorId: 'cli' },
    });
    expect(audit?.after).toEqual({ klarna_signing_key_id: oldKey, reason: 'retired by an operator' });

    ringNow += SIGNING_KEYS_MAX_AGE_MS;
    expect(await ingest(signedOldLate)).toEqual({
      status: 400,
      detail: 'Klarna-Signing-Key-Id: unknown signing key',
    });
    expect(await ingest(await newDelivery())).toEqual({ status: 200 });
    expect((await ingest(signedNew)).status).toBe(200); // a redelivery: verified, then deduplicated
  });

  it('retire again finishes nothing twice; an unknown id is refused', async () => {
    expect(await command(['retire-signing-key', oldKey])).toMatchObject({
      code: 0,
      result: { kind: 'retired', changed: false, deletedAtKlarna: true },
    });
    const unknown = await command(['retire-signing-key', 'krn:partner:global:notification:signing-key:nope']);
    expect(unknown).toMatchObject({ code: 1, result: { kind: 'not_found' } });
  });

  it('a key another webhook at Klarna still uses is retired here and kept there', async () => {
    const rotated = await command(['rotate-signing-key']);
    expect(rotated.code).toBe(0);
    // Someone else's webhook signs with the key Rebill just left.
    const other = await sb.request('POST', '/v2/notification/webhooks', {
      body: {
        url: 'https://elsewhere.example/hooks',
        event_types: ['payment.request.*'],
        event_version: 'v2',
        signing_key_id: newKey,
      },
      headers: { 'Klarna-Idempotency-Key': key() },
    });
    expect(other.status).toBe(201);

    expect(await command(['retire-signing-key', newKey])).toMatchObject({
      code: 0,
      result: { kind: 'retired', changed: true, deletedAtKlarna: false },
    });
    expect((await atKlarna()).keys).toContain(newKey);
  });

  it('refuses bad usage', () => {
    expect(parseKlarnaArgs([])).toMatchObject({ kind: 'usage_error' });
    expect(parseKlarnaArgs(['rotate-signing-key', 'x'])).toMatchObject({ kind: 'usage_error' });
    expect(parseKlarnaArgs(['retire-signing-key'])).toMatchObject({ kind: 'usage_error' });
    expect(parseKlarnaArgs(['retire-signing-key', 'a', 'b'])).toMatchObject({ kind: 'usage_error' });
    expect(parseKlarnaArgs(['retire-signing-key', 'k'])).toEqual({
      kind: 'retire-signing-key',
      signingKeyId: 'k',
    });
  });
});
