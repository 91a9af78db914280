// Standard Webhooks signing, checked against the `standardwebhooks` npm package (an
// implementation Rebill did not write) and against the specification's published example.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { Secret } from '../secrets/secret.js';
import { Keyring } from './keyring.js';
import {
  newMerchantWebhookSecret,
  openMerchantWebhookSecret,
  sealMerchantWebhookSecret,
  showMerchantWebhookSecretOnce,
  signStandardWebhook,
} from './merchant-webhooks.js';
import { Vault } from './vault.js';

const BODY = JSON.stringify({
  type: 'subscription.renewed',
  timestamp: '2026-03-06T10:00:00.000Z',
  data: { a: 1 },
});

function headers(id: string, timestampSeconds: number, signature: string) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature };
}

describe('signStandardWebhook', () => {
  it('matches the specification example (the reference libraries test vector)', () => {
    const secret = Secret.wrap('merchant-webhook-secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const signature = signStandardWebhook([secret], {
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestampSeconds: 1614265330,
      body: '{"test": 2432232314}',
    });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is verified by the standardwebhooks package, and a changed body or id is refused', () => {
    const secret = newMerchantWebhookSecret();
    const raw = showMerchantWebhookSecretOnce(secret);
    expect(raw).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const now = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook([secret], { id: 'msg_1', timestampSeconds: now, body: BODY });
    const wh = new Webhook(raw);
    expect(wh.verify(BODY, headers('msg_1', now, signature))).toEqual(JSON.parse(BODY));
    expect(() => wh.verify(`${BODY} `, headers('msg_1', now, signature))).toThrow(WebhookVerificationError);
    expect(() => wh.verify(BODY, headers('msg_2', now, signature))).toThrow(WebhookVerificationError);
    // The timestamp is real time: one far off is refused by the receiver.
    const old = now - 3600;
    const stale = signStandardWebhook([secret], { id: 'msg_1', timestampSeconds: old, body: BODY });
    expect(() => wh.verify(BODY, headers('msg_1', old, stale))).toThrow(WebhookVerificationError);
  });

  it('signs with every valid secret during a rotation: either one verifies', () => {
    const old = newMerchantWebhookSecret();
    const rotated = newMerchantWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook([rotated, old], { id: 'msg_r', timestampSeconds: now, body: BODY });
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [old, rotated]) {
      const wh = new Webhook(showMerchantWebhookSecretOnce(secret));
      expect(wh.verify(BODY, headers('msg_r', now, signature))).toBeTruthy();
    }
    const stranger = new Webhook(showMerchantWebhookSecretOnce(newMerchantWebhookSecret()));
    expect(() => stranger.verify(BODY, headers('msg_r', now, signature))).toThrow(WebhookVerificationError);
  });

  it('never prints the secret, and seals it to its row', () => {
    const secret = newMerchantWebhookSecret();
    expect(JSON.stringify({ secret })).not.toContain('whsec_');
    const vault = new Vault(
      new Keyring({
        encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 7) }],
        fingerprintKey: { id: 'fp1', key: Buffer.alloc(32, 9) },
      }),
    );
    const sealed = sealMerchantWebhookSecret(vault, secret, 'row-1');
    expect(Buffer.from(sealed.ciphertext).toString('latin1')).not.toContain('whsec_');
    const opened = openMerchantWebhookSecret(vault, sealed, 'row-1');
    expect(showMerchantWebhookSecretOnce(opened)).toBe(showMerchantWebhookSecretOnce(secret));
    expect(() => openMerchantWebhookSecret(vault, sealed, 'row-2')).toThrow();
  });
});
