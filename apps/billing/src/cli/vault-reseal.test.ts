// `rebill vault reseal` on a real database of each test's own: rows sealed under k1 by Rebill's
// own write paths, resealed with VAULT_KEYS k1,k2 (k2 active), then opened by Rebill's own read
// paths with k2 alone.
import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import { systemClock } from '../domain/index.js';
import { reveal } from '../secrets/reveal.js';
import { Secret } from '../secrets/secret.js';
import type { Db } from '../store/db.js';
import { SEALED_TABLES, type SealedTable } from '../store/sealed-columns.js';
import { ownDatabaseTest as test } from '../testing/database-test.js';
import type { ResealStore } from '../vault/reseal.js';
import { VaultError } from '../vault/vault-error.js';
import type { Vault } from '../vault/vault.js';
import { sealWebhookSecrets } from '../vault/webhook-secrets.js';
import { runCommand } from './commands.js';
import { resealStore } from './vault.js';
import { runVaultReseal } from './vault-reseal.js';
import {
  capture,
  k1,
  k2,
  KEY_MATERIAL,
  openPlanted,
  plantSealedRows,
  rawSealed,
  vaultOf,
  type Planted,
  type PlantedRows,
} from '../testing/sealed-rows.js';

const before = vaultOf([k1]);
const during = vaultOf([k1, k2]); // the last listed key is active
const after = vaultOf([k2]);
const COUNTS: Record<SealedTable, number> = {
  CustomerToken: 3,
  KlarnaSigningKey: 2,
  WebhookEvent: 2,
  ChargeAttempt: 2,
  WebhookEndpointSecret: 2,
};

interface Summary {
  dryRun: boolean;
  activeKeyId: string;
  resealed: Record<SealedTable, number>;
  changedConcurrently?: Record<SealedTable, number>;
  unopenable?: Record<SealedTable, { keyId: string; reason: string; count: number; rowIds: string[] }[]>;
  remaining: Record<SealedTable, Record<string, number>>;
  byKeyId?: Record<SealedTable, Record<string, number>>;
  unknownKeyIds?: Record<SealedTable, Record<string, number>>;
}

async function reseal(
  db: Db,
  argv: string[] = [],
  options: { vault?: Vault; store?: ResealStore } = {},
): Promise<{ code: number; summary: Summary; err: string }> {
  const io = capture();
  const code = await runVaultReseal(argv, {
    store: options.store ?? resealStore(db),
    vault: options.vault ?? during,
    clock: systemClock,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  return { code, summary: JSON.parse(io.out) as Summary, err: io.err };
}

async function opened(db: Db, vault: Vault, row: Planted, planted: PlantedRows): Promise<string> {
  const secrets = await openPlanted(db, vault, row, planted.merchantId);
  return secrets.map((s) => reveal(s)).join(' ');
}

const resealAudits = (db: Db) =>
  db.auditEvent.findMany({ where: { entityType: 'vault_ciphertexts' }, orderBy: { id: 'asc' } });

const nothingLeft = {
  CustomerToken: {},
  KlarnaSigningKey: {},
  WebhookEvent: {},
  ChargeAttempt: {},
  WebhookEndpointSecret: {},
};

describe('rebill vault reseal', () => {
  test('reseals every ciphertext under the active key; the raw values are unchanged', async ({ prisma }) => {
    const planted = await plantSealedRows(prisma, before, COUNTS);
    const stored = await rawSealed(prisma);

    const { code, summary, err } = await reseal(prisma, ['--batch-size', '2']);

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(summary).toMatchObject({
      dryRun: false,
      activeKeyId: 'k2',
      resealed: COUNTS,
      remaining: nothingLeft,
    });
    const now = await rawSealed(prisma);
    for (const row of now) {
      const was = stored.find((s) => s.table === row.table && s.id === row.id);
      if (was?.ciphertext === null) {
        expect(row).toEqual(was); // nothing sealed there, nothing written
      } else {
        expect(row.keyId).toBe('k2');
        expect(row.ciphertext).not.toBe(was?.ciphertext);
      }
    }
    expect(planted.unsealedIds).toHaveLength(2);
    // Rebill's own read paths open every row with k2 alone, to the same raw value.
    for (const row of planted.rows) expect(await opened(prisma, after, row, planted)).toBe(row.plaintext);

    // One audit row per table and batch of two: 2 + 1 + 1 + 1, by the CLI, ids and counts only.
    const audits = await resealAudits(prisma);
    expect(audits.map((a) => a.entityId)).toEqual([
      'CustomerToken',
      'CustomerToken',
      'KlarnaSigningKey',
      'WebhookEvent',
      'ChargeAttempt',
      'WebhookEndpointSecret',
    ]);
    for (const a of audits) {
      expect(a).toMatchObject({
        actorKind: 'SYSTEM',
        actorId: 'cli',
        action: 'vault.resealed',
        merchantId: null,
      });
    }
    const resealedIds = audits.flatMap((a) => (a.after as { resealed_row_ids: string[] }).resealed_row_ids);
    expect(resealedIds.sort()).toEqual(planted.rows.map((r) => r.id).sort());
    expect(audits[0]?.after).toMatchObject({ active_key_id: 'k2', from_key_ids: { k1: 2 }, resealed: 2 });
    const auditText = JSON.stringify(audits, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const ciphertexts = [...stored, ...now].flatMap((r) => (r.ciphertext === null ? [] : [r.ciphertext]));
    for (const hex of ciphertexts) {
      const bytes = Buffer.from(hex, 'hex');
      for (const form of [hex, bytes.toString('base64'), bytes.toString('base64url')]) {
        expect(auditText).not.toContain(form.slice(0, 24));
      }
    }
    for (const row of planted.rows) {
      for (const part of row.plaintext.split(' ')) {
        expect(auditText).not.toContain(part);
        expect(auditText).not.toContain(Buffer.from(part).toString('base64').slice(0, 24));
      }
    }
  });

  test('a second run finds nothing to do and writes nothing', async ({ prisma }) => {
    await plantSealedRows(prisma, before, COUNTS);
    expect((await reseal(prisma)).code).toBe(0);
    const once = await rawSealed(prisma);
    const audits = (await resealAudits(prisma)).length;

    const again = await reseal(prisma);

    expect(again).toEqual({
      code: 0,
      err: '',
      summary: expect.objectContaining({
        resealed: {
          CustomerToken: 0,
          KlarnaSigningKey: 0,
          WebhookEvent: 0,
          ChargeAttempt: 0,
          WebhookEndpointSecret: 0,
        },
        remaining: nothingLeft,
      }) as unknown,
    });
    expect(await rawSealed(prisma)).toEqual(once);
    expect(await resealAudits(prisma)).toHaveLength(audits);
  });

  test('rows that cannot be opened are reported by key id and count, and left as they are', async ({
    prisma,
  }) => {
    const planted = await plantSealedRows(prisma, before, COUNTS);
    const [token, otherToken] = planted.rows.filter((r) => r.table === 'CustomerToken');
    const [event] = planted.rows.filter((r) => r.table === 'WebhookEvent');
    const [attempt, otherAttempt] = planted.rows.filter((r) => r.table === 'ChargeAttempt');
    if (!token || !otherToken || !event || !attempt || !otherAttempt) throw new Error('seeding');
    // A flipped byte; a key id nobody holds; another row's ciphertext copied over.
    await prisma.$executeRaw`
      UPDATE "CustomerToken" SET "encryptedToken" = set_byte("encryptedToken", 40, get_byte("encryptedToken", 40) # 1)
      WHERE id = ${token.id}::uuid`;
    await prisma.webhookEvent.update({ where: { id: event.id }, data: { sealedKeyId: 'gone' } });
    await prisma.$executeRaw`
      UPDATE "ChargeAttempt" a SET "sealedSessionToken" = b."sealedSessionToken"
      FROM "ChargeAttempt" b WHERE a.id = ${attempt.id}::uuid AND b.id = ${otherAttempt.id}::uuid`;
    const damaged = (await rawSealed(prisma)).filter((r) => [token.id, event.id, attempt.id].includes(r.id));

    const { code, summary, err } = await reseal(prisma);

    expect(code).toBe(1);
    expect(summary.resealed).toEqual({
      CustomerToken: 2,
      KlarnaSigningKey: 2,
      WebhookEvent: 1,
      ChargeAttempt: 1,
      WebhookEndpointSecret: 2,
    });
    expect(summary.remaining).toEqual({
      CustomerToken: { k1: 1 },
      KlarnaSigningKey: {},
      WebhookEvent: { gone: 1 },
      ChargeAttempt: { k1: 1 },
      WebhookEndpointSecret: {},
    });
    expect(summary.unopenable).toEqual({
      CustomerToken: [{ keyId: 'k1', reason: 'TAMPERED', count: 1, rowIds: [token.id] }],
      KlarnaSigningKey: [],
      WebhookEvent: [{ keyId: 'gone', reason: 'UNKNOWN_KEY', count: 1, rowIds: [event.id] }],
      ChargeAttempt: [{ keyId: 'k1', reason: 'TAMPERED', count: 1, rowIds: [attempt.id] }],
      WebhookEndpointSecret: [],
    });
    expect(err).toContain(
      '1 WebhookEvent row under key id "gone" could not be opened: VAULT_KEYS holds no key "gone"',
    );
    expect(err).toContain(`1 CustomerToken row under key id "k1" failed authentication (TAMPERED)`);
    expect(err).toContain(token.id);
    for (const material of KEY_MATERIAL) expect(err + JSON.stringify(summary)).not.toContain(material);

    // Left byte for byte; the rest opens under k2 alone.
    const now = await rawSealed(prisma);
    expect(now.filter((r) => damaged.some((d) => d.id === r.id))).toEqual(damaged);
    for (const row of planted.rows.filter((r) => ![token.id, event.id, attempt.id].includes(r.id))) {
      expect(await opened(prisma, after, row, planted)).toBe(row.plaintext);
    }
    await expect(opened(prisma, during, token, planted)).rejects.toBeInstanceOf(VaultError);

    // Running again changes nothing and says the same.
    const again = await reseal(prisma);
    expect(again.code).toBe(1);
    expect(again.summary.unopenable).toEqual(summary.unopenable);
    expect(await rawSealed(prisma)).toEqual(now);
  });

  test('a row another writer changes between read and write is never overwritten', async ({ prisma }) => {
    const planted = await plantSealedRows(prisma, before, COUNTS);
    const [attempt] = planted.rows.filter((r) => r.table === 'ChargeAttempt');
    const [event] = planted.rows.filter((r) => r.table === 'WebhookEvent');
    const [token] = planted.rows.filter((r) => r.table === 'CustomerToken');
    if (!attempt || !event || !token) throw new Error('seeding');
    const newer = `krn:customer-token:eu1:${randomUUID()} krn:payment:eu1:klarna-network-session-token:${randomUUID()}`;
    let ownWrite: string | null = null;

    // Right after a table's first page is read, another writer changes one row of it, for real:
    const real = resealStore(prisma);
    const raced = new Set<SealedTable>();
    const racing: ResealStore = {
      ...real,
      readPage: async (table, page) => {
        const rows = await real.readPage(table, page);
        if (raced.has(table)) return rows;
        raced.add(table);
        if (table === 'ChargeAttempt') {
          // the finalize was answered: its session token is dropped (it must not come back);
          await prisma.chargeAttempt.update({
            where: { id: attempt.id },
            data: { sealedSessionToken: null, sealedKeyId: null },
          });
        } else if (table === 'WebhookEvent') {
          // a process still on the old keys seals other secrets to the row (they must win);
          const [c, n] = newer.split(' ') as [string, string];
          const sealed = sealWebhookSecrets(
            before,
            {
              customerToken: Secret.wrap('klarna-customer-token', c),
              networkSessionToken: Secret.wrap('klarna-network-session-token', n),
            },
            event.id,
          );
          await prisma.webhookEvent.update({
            where: { id: event.id },
            data: { sealedSecrets: Uint8Array.from(sealed?.ciphertext ?? []), sealedKeyId: 'k1' },
          });
        } else if (table === 'CustomerToken') {
          // a second reseal got there first (its ciphertext must stay, byte for byte).
          const row = rows.find((r) => r.id === token.id);
          if (row === undefined) throw new Error('token not in the page');
          const theirs = during.reseal('klarna-customer-token', row, {
            purpose: 'customer-token',
            rowId: row.id,
          });
          await real.compareAndSet(table, row.id, row, theirs);
          ownWrite = theirs.ciphertext.toString('hex');
        }
        return rows;
      },
    };

    const { code, summary, err } = await reseal(prisma, [], { store: racing });

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(summary.changedConcurrently).toEqual({
      CustomerToken: 1,
      KlarnaSigningKey: 0,
      WebhookEvent: 1,
      ChargeAttempt: 1,
      WebhookEndpointSecret: 0,
    });
    // The event's newer secrets were resealed on the second try; the token and attempt were left.
    expect(summary.resealed).toEqual({
      CustomerToken: 2,
      KlarnaSigningKey: 2,
      WebhookEvent: 2,
      ChargeAttempt: 1,
      WebhookEndpointSecret: 2,
    });
    expect(summary.remaining).toEqual(nothingLeft);
    const now = await rawSealed(prisma);
    expect(now.find((r) => r.id === attempt.id)).toMatchObject({ keyId: null, ciphertext: null });
    expect(now.find((r) => r.id === token.id)?.ciphertext).toBe(ownWrite);
    expect(await opened(prisma, after, event, planted)).toBe(newer);
    expect(await opened(prisma, after, token, planted)).toBe(token.plaintext);
  });

  test('--dry-run counts per table and key id and writes nothing', async ({ prisma }) => {
    const planted = await plantSealedRows(prisma, before, COUNTS);
    const stored = await rawSealed(prisma);

    const clean = await reseal(prisma, ['--dry-run']);
    expect(clean).toEqual({
      code: 0,
      err: '',
      summary: {
        dryRun: true,
        activeKeyId: 'k2',
        resealed: {
          CustomerToken: 0,
          KlarnaSigningKey: 0,
          WebhookEvent: 0,
          ChargeAttempt: 0,
          WebhookEndpointSecret: 0,
        },
        byKeyId: {
          CustomerToken: { k1: 3 },
          KlarnaSigningKey: { k1: 2 },
          WebhookEvent: { k1: 2 },
          ChargeAttempt: { k1: 2 },
          WebhookEndpointSecret: { k1: 2 },
        },
        remaining: {
          CustomerToken: { k1: 3 },
          KlarnaSigningKey: { k1: 2 },
          WebhookEvent: { k1: 2 },
          ChargeAttempt: { k1: 2 },
          WebhookEndpointSecret: { k1: 2 },
        },
        unknownKeyIds: nothingLeft,
      },
    });

    const [event] = planted.rows.filter((r) => r.table === 'WebhookEvent');
    await prisma.webhookEvent.update({ where: { id: event?.id ?? '' }, data: { sealedKeyId: 'gone' } });
    const withUnknown = await rawSealed(prisma);
    const unknown = await reseal(prisma, ['--dry-run']);
    expect(unknown.code).toBe(1);
    expect(unknown.summary.byKeyId?.WebhookEvent).toEqual({ gone: 1, k1: 1 });
    expect(unknown.summary.unknownKeyIds).toEqual({ ...nothingLeft, WebhookEvent: { gone: 1 } });
    expect(unknown.err).toContain(
      '1 WebhookEvent row is under key id "gone", which VAULT_KEYS does not hold',
    );

    expect(withUnknown.filter((r) => r.id !== event?.id)).toEqual(stored.filter((r) => r.id !== event?.id));
    expect(await rawSealed(prisma)).toEqual(withUnknown);
    expect(await resealAudits(prisma)).toEqual([]);
  });

  test('a run that crashed part way is finished by the next run', async ({ prisma }) => {
    const planted = await plantSealedRows(prisma, before, COUNTS);
    const real = resealStore(prisma);
    let writes = 0;
    const crashing: ResealStore = {
      ...real,
      compareAndSet: async (...args) => {
        if (writes === 4) throw new Error('simulated crash');
        writes += 1;
        return real.compareAndSet(...args);
      },
    };
    await expect(reseal(prisma, ['--batch-size', '2'], { store: crashing })).rejects.toThrow(
      'simulated crash',
    );
    const halfway = await rawSealed(prisma);
    expect(halfway.filter((r) => r.keyId === 'k2')).toHaveLength(4);

    const { code, summary } = await reseal(prisma, ['--batch-size', '2']);

    expect(code).toBe(0);
    const total = Object.values(COUNTS).reduce((a, b) => a + b, 0);
    expect(Object.values(summary.resealed).reduce((a, b) => a + b, 0)).toBe(total - 4);
    for (const row of planted.rows) expect(await opened(prisma, after, row, planted)).toBe(row.plaintext);
  });

  test('through the rebill command: keys from VAULT_KEYS, the summary on stdout, 2 for bad usage', async ({
    prisma,
    databaseUrl,
  }) => {
    const planted = await plantSealedRows(prisma, before, { ...COUNTS, CustomerToken: 1 });
    const b64 = (key: typeof k1) => Buffer.from(key.key as Uint8Array).toString('base64');
    const env = {
      DATABASE_URL: databaseUrl,
      VAULT_KEYS: `k1:${b64(k1)},k2:${b64(k2)}`,
      VAULT_FINGERPRINT_KEY: `fp1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    let out = '';
    let errors = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors += String(chunk);
      return true;
    });
    try {
      expect(await runCommand(['vault', 'reseal'], env)).toBe(0);
      expect(JSON.parse(out)).toMatchObject({
        resealed: { ...COUNTS, CustomerToken: 1 },
        remaining: nothingLeft,
      });
      expect(await runCommand(['vault', 'reseal', '--batch-size', '0'], env)).toBe(2);
      expect(await runCommand(['vault', 'reseal', '--nope'], env)).toBe(2);
      expect(await runCommand(['vault', 'reseal', 'extra'], env)).toBe(2);
      expect(await runCommand(['vault'], env)).toBe(2);
      expect(await runCommand(['vault', 'reseal'], { ...env, VAULT_ACTIVE_KEY_ID: 'k9' })).toBe(2);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(errors).toContain('--batch-size must be a whole number from 1 to 10000, not "0"');
    expect(errors).toContain('VAULT_ACTIVE_KEY_ID');
    for (const material of KEY_MATERIAL) expect(out + errors).not.toContain(material);
    for (const row of planted.rows) expect(await opened(prisma, after, row, planted)).toBe(row.plaintext);
  });
});

describe('the tables it covers', () => {
  test('are every column of the schema that holds vault ciphertext', async ({ prisma }) => {
    // The other bytea columns hold one-way hashes (operators' passwords, session ids): nothing to reseal.
    const hashes = ['Operator.passwordHash', 'Operator.passwordSalt', 'OperatorSession.idHash'];
    const columns = await prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type = 'bytea' ORDER BY 1, 2`;
    const sealed = columns.filter((c) => !hashes.includes(`${c.table_name}.${c.column_name}`));
    expect(sealed.map((c) => c.table_name).sort()).toEqual([...SEALED_TABLES].sort());
  });
});
