// A merchant with its first API key, made the way `merchant create` makes one, for tests.
import { randomUUID } from 'node:crypto';
import { generateApiKey } from '../../auth/api-key-token.js';
import { systemActor } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import { createMerchant } from '../../store/merchants.js';

export interface Tenant {
  readonly merchantId: string;
  readonly apiKeyId: string;
  /** The whole API key. */
  readonly token: string;
  /** `{ authorization: 'Bearer <key>' }`, for inject(). */
  readonly headers: { readonly authorization: string };
}

export async function createTenant(db: Db, at: Date, timeZone = 'Europe/Stockholm'): Promise<Tenant> {
  const key = generateApiKey();
  const result = await createMerchant(db, {
    name: 'Test merchant',
    timeZone,
    klarnaPartnerAccountId: `krn:partner:global:account:test:${randomUUID().replaceAll('-', '')}`,
    invoicePrefixBase: 'TEST',
    pickInvoicePrefix: () => `T${randomUUID().slice(0, 8).toUpperCase()}`,
    firstKey: { name: 'first key', prefix: key.prefix, secretHash: key.secretHash },
    actor: systemActor('test'),
    at,
  });
  if (result.kind !== 'created') throw new Error('could not create a test merchant');
  return {
    merchantId: result.merchant.id,
    apiKeyId: result.apiKey.id,
    token: key.token,
    headers: { authorization: `Bearer ${key.token}` },
  };
}
