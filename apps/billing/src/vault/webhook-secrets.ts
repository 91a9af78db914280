// The tokens a Klarna webhook delivered (a customer token, a network session token), sealed as one
// ciphertext bound to the WebhookEvent row, so the stored event can be applied again after a crash
// without the raw tokens ever sitting in its JSON payload.
import { reveal } from '../secrets/reveal.js';
import { Secret, type CustomerTokenSecret, type NetworkSessionTokenSecret } from '../secrets/secret.js';
import type { Sealed, Vault } from './vault.js';

export interface WebhookSecrets {
  readonly customerToken?: CustomerTokenSecret;
  readonly networkSessionToken?: NetworkSessionTokenSecret;
}

/** Null when the event carried no secret. */
export function sealWebhookSecrets(
  vault: Vault,
  secrets: WebhookSecrets,
  webhookEventId: string,
): Sealed | null {
  const packed: { c?: string; n?: string } = {};
  if (secrets.customerToken !== undefined) packed.c = reveal(secrets.customerToken);
  if (secrets.networkSessionToken !== undefined) packed.n = reveal(secrets.networkSessionToken);
  if (packed.c === undefined && packed.n === undefined) return null;
  const secret = Secret.wrap('klarna-webhook-secrets', JSON.stringify(packed));
  return vault.seal(secret, { purpose: 'webhook-secrets', rowId: webhookEventId });
}

export function openWebhookSecrets(vault: Vault, sealed: Sealed, webhookEventId: string): WebhookSecrets {
  const opened = vault.open('klarna-webhook-secrets', sealed, {
    purpose: 'webhook-secrets',
    rowId: webhookEventId,
  });
  const packed = JSON.parse(reveal(opened)) as { c?: unknown; n?: unknown };
  return {
    ...(typeof packed.c === 'string'
      ? { customerToken: Secret.wrap('klarna-customer-token', packed.c) }
      : {}),
    ...(typeof packed.n === 'string'
      ? { networkSessionToken: Secret.wrap('klarna-network-session-token', packed.n) }
      : {}),
  };
}
