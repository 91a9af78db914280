// Test rows in the four tables that hold vault ciphertext, sealed the way Rebill's own code seals
// them (storeCustomerToken, the registration's signing key, the ingester's webhook secrets, the
// finalize attempt's session token), and readers that open them the way Rebill's own code does.
// For the reseal's tests and the leak scan's.
import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock } from '../domain/index.js';
import { Secret, type SecretKind } from '../secrets/secret.js';
import { systemActor } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { insertSigningKey } from '../store/signing-keys.js';
import { SEALED_TABLES, type SealedTable } from '../store/sealed-columns.js';
import { seedChargeAttempt, seedInvoice, seedTenantSubscription } from '../store/testing/seed.js';
import { insertWebhookEvent } from '../store/webhook-events.js';
import { createWebhookEndpoint } from '../store/webhook-endpoints.js';
import {
  newMerchantWebhookSecret,
  openMerchantWebhookSecret,
  sealMerchantWebhookSecret,
  showMerchantWebhookSecretOnce,
} from '../vault/merchant-webhooks.js';
import { revealCustomerToken, storeCustomerToken } from '../vault/customer-tokens.js';
import { Keyring, type KeySpec } from '../vault/keyring.js';
import { openSessionToken, sealSessionToken } from '../vault/session-tokens.js';
import { Vault } from '../vault/vault.js';
import { openWebhookSecrets, sealWebhookSecrets } from '../vault/webhook-secrets.js';
import { SigningKeyRing } from '../webhooks/signing-key-ring.js';

export const k1: KeySpec = { id: 'k1', key: randomBytes(32) };
export const k2: KeySpec = { id: 'k2', key: randomBytes(32) };
const fp: KeySpec = { id: 'fp1', key: randomBytes(32) };

/** Every encoding of the keys that a message could leak. */
export const KEY_MATERIAL = [k1, k2, fp].flatMap(({ key }) => {
  const bytes = Buffer.from(key as Uint8Array);
  return [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
});

export function vaultOf(keys: readonly KeySpec[]): Vault {
  return new Vault(new Keyring({ encryptionKeys: keys, fingerprintKey: fp }));
}

/** A stored secret and how Rebill reads it back. */
export interface Planted {
  readonly table: SealedTable;
  readonly id: string;
  /** The raw value(s) sealed in it, joined by a space. */
  readonly plaintext: string;
}

export interface PlantedRows {
  readonly rows: Planted[];
  /** Rows of the same tables with no ciphertext (a webhook without tokens, a non-finalize attempt). */
  readonly unsealedIds: string[];
  readonly merchantId: string;
}

const customerToken = (): string => `krn:customer-token:eu1:${randomUUID()}`;
const sessionToken = (): string => `krn:payment:eu1:klarna-network-session-token:${randomUUID()}`;

/** Seals `counts` rows per table with `vault` through the code paths Rebill writes them with. */
export async function plantSealedRows(
  db: Db,
  vault: Vault,
  counts: Record<SealedTable, number>,
): Promise<PlantedRows> {
  const at = new Date('2026-03-01T12:00:00.000Z');
  const { merchant, customer, version, subscription } = await seedTenantSubscription(db);
  const invoice = await seedInvoice(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
  });
  const rows: Planted[] = [];
  const unsealedIds: string[] = [];

  for (let i = 0; i < counts.CustomerToken; i++) {
    const raw = customerToken();
    const id = await inTransaction(db, (tx) =>
      storeCustomerToken(tx, vault, {
        merchantId: merchant.id,
        customerId: customer.id,
        token: Secret.wrap('klarna-customer-token', raw),
        scopes: ['payment:customer_not_present'],
        reference: `tok-${randomUUID()}`,
        actor: systemActor('test'),
        subscriptionId: null,
        at,
      }),
    );
    rows.push({ table: 'CustomerToken', id, plaintext: raw });
  }

  for (let i = 0; i < counts.KlarnaSigningKey; i++) {
    const id = randomUUID();
    const raw = randomBytes(32).toString('base64url');
    const sealed = vault.seal(Secret.wrap('klarna-signing-key', raw), { purpose: 'signing-key', rowId: id });
    await insertSigningKey(db, {
      id,
      klarnaSigningKeyId: `krn:partner:global:notification:signing-key:${randomUUID()}`,
      encryptedSecret: Uint8Array.from(sealed.ciphertext),
      keyId: sealed.keyId,
      createdAt: at,
    });
    rows.push({ table: 'KlarnaSigningKey', id, plaintext: raw });
  }

  for (let i = 0; i <= counts.WebhookEvent; i++) {
    const id = randomUUID();
    const [c, n] = [customerToken(), sessionToken()];
    // One more event than asked for, without tokens: nothing to seal, nothing to reseal.
    const withSecrets = i < counts.WebhookEvent;
    const sealed = withSecrets
      ? sealWebhookSecrets(
          vault,
          {
            customerToken: Secret.wrap('klarna-customer-token', c),
            networkSessionToken: Secret.wrap('klarna-network-session-token', n),
          },
          id,
        )
      : null;
    await insertWebhookEvent(db, {
      id,
      eventId: randomUUID(),
      eventType: 'payment.request.state-change.completed',
      occurredAt: at,
      receivedAt: at,
      nextAttemptAt: at,
      subjectAccountId: merchant.klarnaPartnerAccountId,
      merchantId: merchant.id,
      klarnaPaymentRequestId: null,
      signingKeyId: 'krn:partner:global:notification:signing-key:test',
      payload: { customer_token: '[sealed]' },
      sealed,
    });
    if (withSecrets) rows.push({ table: 'WebhookEvent', id, plaintext: `${c} ${n}` });
    else unsealedIds.push(id);
  }

  for (let i = 0; i <= counts.ChargeAttempt; i++) {
    const id = randomUUID();
    const raw = sessionToken();
    const withToken = i < counts.ChargeAttempt;
    const sealed = withToken
      ? sealSessionToken(vault, Secret.wrap('klarna-network-session-token', raw), id)
      : null;
    await seedChargeAttempt(db, {
      id,
      merchantId: merchant.id,
      subscriptionId: subscription.id,
      invoiceId: invoice.id,
      attemptNumber: i + 1,
      kind: withToken ? 'FINALIZE' : 'SIGNUP',
      sealedSessionToken: sealed === null ? null : Uint8Array.from(sealed.ciphertext),
      sealedKeyId: sealed?.keyId ?? null,
    });
    if (withToken) rows.push({ table: 'ChargeAttempt', id, plaintext: raw });
    else unsealedIds.push(id);
  }

  for (let i = 0; i < counts.WebhookEndpointSecret; i++) {
    const secret = newMerchantWebhookSecret();
    let id = '';
    await createWebhookEndpoint(db, {
      merchantId: merchant.id,
      url: 'https://merchant.example/hooks',
      eventTypes: ['*'],
      description: null,
      seal: (rowId) => {
        id = rowId;
        return sealMerchantWebhookSecret(vault, secret, rowId);
      },
      actor: systemActor('test'),
      now: at,
    });
    rows.push({ table: 'WebhookEndpointSecret', id, plaintext: showMerchantWebhookSecretOnce(secret) });
  }
  return { rows, unsealedIds, merchantId: merchant.id };
}

/**
 * Opens a planted row the way Rebill's own code does (the test reveals and joins the secrets to
 * compare with `plaintext`); throws a VaultError when it cannot.
 */
export async function openPlanted(
  db: Db,
  vault: Vault,
  row: Planted,
  merchantId: string,
): Promise<Secret<SecretKind>[]> {
  switch (row.table) {
    case 'CustomerToken': {
      const revealed = await inTransaction(db, (tx) =>
        revealCustomerToken(tx, vault, {
          merchantId,
          tokenId: row.id,
          actor: systemActor('test'),
          purpose: 'test',
          subscriptionId: null,
          at: new Date('2026-03-02T00:00:00.000Z'),
        }),
      );
      if (revealed.kind !== 'revealed') throw new Error(`token ${row.id}: ${revealed.reason}`);
      return [revealed.token];
    }
    case 'KlarnaSigningKey': {
      const ring = new SigningKeyRing(db, vault, systemClock);
      await ring.reload();
      const stored = await db.klarnaSigningKey.findUniqueOrThrow({ where: { id: row.id } });
      const secret = await ring.get(stored.klarnaSigningKeyId);
      if (secret === undefined) throw new Error(`signing key ${row.id} not in the ring`);
      return [secret];
    }
    case 'WebhookEvent': {
      const event = await db.webhookEvent.findUniqueOrThrow({ where: { id: row.id } });
      if (event.sealedSecrets === null || event.sealedKeyId === null) throw new Error('no secrets');
      const secrets = openWebhookSecrets(
        vault,
        { keyId: event.sealedKeyId, ciphertext: Buffer.from(event.sealedSecrets) },
        row.id,
      );
      if (secrets.customerToken === undefined || secrets.networkSessionToken === undefined) {
        throw new Error('a token is missing');
      }
      return [secrets.customerToken, secrets.networkSessionToken];
    }
    case 'WebhookEndpointSecret': {
      const stored = await db.webhookEndpointSecret.findUniqueOrThrow({ where: { id: row.id } });
      return [
        openMerchantWebhookSecret(
          vault,
          { keyId: stored.sealedKeyId, ciphertext: Buffer.from(stored.sealedSecret) },
          row.id,
        ),
      ];
    }
    case 'ChargeAttempt': {
      const attempt = await db.chargeAttempt.findUniqueOrThrow({ where: { id: row.id } });
      if (attempt.sealedSessionToken === null || attempt.sealedKeyId === null) throw new Error('no token');
      return [
        openSessionToken(
          vault,
          { keyId: attempt.sealedKeyId, ciphertext: Buffer.from(attempt.sealedSessionToken) },
          row.id,
        ),
      ];
    }
  }
}

export interface RawSealed {
  readonly table: SealedTable;
  readonly id: string;
  readonly keyId: string | null;
  /** Hex, so snapshots compare with toEqual. */
  readonly ciphertext: string | null;
}

const RAW_COLUMNS: Record<SealedTable, [string, string]> = {
  CustomerToken: ['encryptedToken', 'keyId'],
  KlarnaSigningKey: ['encryptedSecret', 'keyId'],
  WebhookEvent: ['sealedSecrets', 'sealedKeyId'],
  ChargeAttempt: ['sealedSessionToken', 'sealedKeyId'],
  WebhookEndpointSecret: ['sealedSecret', 'sealedKeyId'],
};

/** Every row of the sealed tables as stored, ordered by table and id. */
export async function rawSealed(db: Db): Promise<RawSealed[]> {
  const all: RawSealed[] = [];
  for (const table of SEALED_TABLES) {
    const [ct, key] = RAW_COLUMNS[table];
    const rows = await db.$queryRawUnsafe<{ id: string; keyId: string | null; ct: Uint8Array | null }[]>(
      `SELECT id::text AS id, "${key}" AS "keyId", "${ct}" AS ct FROM "${table}" ORDER BY id`,
    );
    for (const r of rows) {
      all.push({
        table,
        id: r.id,
        keyId: r.keyId,
        ciphertext: r.ct === null ? null : Buffer.from(r.ct).toString('hex'),
      });
    }
  }
  return all;
}

/** Collects what a command writes. */
export function capture(): {
  out: string;
  err: string;
  stdout: (t: string) => void;
  stderr: (t: string) => void;
} {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}
