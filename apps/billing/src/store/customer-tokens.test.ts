// A customer token is stored once per merchant, with one audit row, whoever delivers it again.
import { describe, expect } from 'vitest';
import { Secret } from '../secrets/secret.js';
import { databaseTest as test } from '../testing/database-test.js';
import { storeCustomerToken } from '../vault/customer-tokens.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { systemActor } from './audit.js';
import { inTransaction } from './db.js';
import { seedCustomer, seedMerchant } from './testing/seed.js';

const vault = new Vault(loadVaultKeyring({}).keyring);
const AT = new Date('2026-03-06T10:00:00.123Z');

describe('storeCustomerToken', () => {
  test('stores a new token with its audit row; the same token again maps to the same row', async ({
    prisma,
  }) => {
    const merchant = await seedMerchant(prisma);
    const customer = await seedCustomer(prisma, merchant.id);
    const token = Secret.wrap('klarna-customer-token', `krn:customer-token:eu1:${crypto.randomUUID()}`);
    const input = {
      merchantId: merchant.id,
      customerId: customer.id,
      token,
      scopes: ['payment:customer_not_present'],
      reference: `tok-${crypto.randomUUID()}`,
      actor: systemActor('worker'),
      subscriptionId: null,
      at: AT,
    };
    const id = await inTransaction(prisma, (tx) => storeCustomerToken(tx, vault, input));
    const again = await inTransaction(prisma, (tx) =>
      storeCustomerToken(tx, vault, { ...input, at: new Date(AT.getTime() + 1000) }),
    );
    expect(again).toBe(id);

    const row = await prisma.customerToken.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      merchantId: merchant.id,
      customerId: customer.id,
      scopes: ['payment:customer_not_present'],
      status: 'ACTIVE',
      reference: input.reference,
      createdAt: AT,
      tokenFingerprint: vault.fingerprint(token),
    });
    const audits = await prisma.auditEvent.findMany({
      where: { entityType: 'customer_token', entityId: id },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      merchantId: merchant.id,
      subscriptionId: null,
      actorKind: 'SYSTEM',
      actorId: 'worker',
      action: 'customer_token.stored',
      before: null,
      after: { customer_id: customer.id, scopes: ['payment:customer_not_present'], key_id: row.keyId },
      createdAt: AT,
    });
  });
});
