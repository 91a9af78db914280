// A merchant webhook endpoint's signing secrets (Standard Webhooks, https://www.standardwebhooks.com):
// `whsec_` followed by the base64 of 32 random bytes. Made here, sealed to their row, opened only to
// sign a delivery, and revealed once, in the API's answer to the endpoint's creation or rotation.
// Signing lives in the vault because it needs the raw secret (only vault/ and klarna/ reveal).
import { createHmac, randomBytes } from 'node:crypto';
import { reveal } from '../secrets/reveal.js';
import { Secret } from '../secrets/secret.js';
import type { Sealed, SealedInput, Vault } from './vault.js';

export type MerchantWebhookSecret = Secret<'merchant-webhook-secret'>;

const PREFIX = 'whsec_';
const PURPOSE = 'merchant-webhook-secret';

export function newMerchantWebhookSecret(): MerchantWebhookSecret {
  return Secret.wrap('merchant-webhook-secret', `${PREFIX}${randomBytes(32).toString('base64')}`);
}

export function sealMerchantWebhookSecret(
  vault: Vault,
  secret: MerchantWebhookSecret,
  rowId: string,
): Sealed {
  return vault.seal(secret, { purpose: PURPOSE, rowId });
}

export function openMerchantWebhookSecret(
  vault: Vault,
  sealed: SealedInput,
  rowId: string,
): MerchantWebhookSecret {
  return vault.open('merchant-webhook-secret', sealed, { purpose: PURPOSE, rowId });
}

/** The raw `whsec_` value, for the one answer that shows it to the merchant (creation, rotation). */
export function showMerchantWebhookSecretOnce(secret: MerchantWebhookSecret): string {
  return reveal(secret);
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed by
 * the base64-decoded part of each secret after `whsec_`, one per secret, space-separated.
 */
export function signStandardWebhook(
  secrets: readonly MerchantWebhookSecret[],
  message: { readonly id: string; readonly timestampSeconds: number; readonly body: string },
): string {
  if (secrets.length === 0) throw new Error('no signing secret');
  const signed = `${message.id}.${message.timestampSeconds}.${message.body}`;
  return secrets
    .map((secret) => {
      const raw = reveal(secret);
      const key = Buffer.from(raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw, 'base64');
      return `v1,${createHmac('sha256', key).update(signed, 'utf8').digest('base64')}`;
    })
    .join(' ');
}
