import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Keyring, type KeySpec } from './keyring.js';
import type { SealContext, SealPurpose } from './seal-context.js';
import { Vault, type Sealed } from './vault.js';
import { VaultError, type VaultErrorCode } from './vault-error.js';
import { reveal } from '../secrets/reveal.js';
import { Secret, type SecretKind } from '../secrets/secret.js';

const k1: KeySpec = { id: 'k1', key: randomBytes(32) };
const k2: KeySpec = { id: 'k2', key: randomBytes(32) };
const fp: KeySpec = { id: 'fp1', key: randomBytes(32) };

const vaultOf = (keys: KeySpec[], activeKeyId?: string): Vault =>
  new Vault(
    new Keyring(
      activeKeyId === undefined
        ? { encryptionKeys: keys, fingerprintKey: fp }
        : { encryptionKeys: keys, activeKeyId, fingerprintKey: fp },
    ),
  );

const TOKEN = 'krn:customer-token:eu1:0d4c8b9e-5e1f-4a00-9c3b-1f2e3d4c5b6a';
const customerToken = Secret.wrap('klarna-customer-token', TOKEN);
const row: SealContext = { purpose: 'customer-token', rowId: 'tok_1' };

/** Runs `fn`, expects a VaultError with `code`, and checks that nothing secret is in it. */
function expectVaultError(code: VaultErrorCode, fn: () => unknown, secrets: string[] = [TOKEN]): VaultError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(VaultError);
  const error = caught as VaultError;
  expect(error.code).toBe(code);
  const shown = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)} ${inspect(error)}`;
  for (const secret of secrets) expect(shown).not.toContain(secret);
  for (const key of [k1, k2, fp]) {
    expect(shown).not.toContain(Buffer.from(key.key as Uint8Array).toString('base64'));
    expect(shown).not.toContain(Buffer.from(key.key as Uint8Array).toString('hex'));
  }
  return error;
}

function flip(sealed: Sealed, index: number): Sealed {
  const ciphertext = Buffer.from(sealed.ciphertext);
  ciphertext[index] = (ciphertext[index] ?? 0) ^ 0x01;
  return { keyId: sealed.keyId, ciphertext };
}

describe('Vault.seal and open', () => {
  const vault = vaultOf([k1]);

  it.each<[SecretKind, SealPurpose, string]>([
    ['klarna-customer-token', 'customer-token', TOKEN],
    [
      'klarna-network-session-token',
      'network-session-token',
      'krn:payment:eu1:klarna-network-session-token:77aa',
    ],
    ['klarna-signing-key', 'signing-key', 'whsec_3f9a0b1c2d'],
    ['klarna-signing-key', 'webhook-secrets', '["whsec_old","whsec_new"]'],
  ])('round-trips a %s sealed for %s', (kind, purpose, value) => {
    const context = { purpose, rowId: 'row-1' };
    const sealed = vault.seal(Secret.wrap(kind, value), context);
    const opened = vault.open(kind, sealed, context);
    expect(opened).toBeInstanceOf(Secret);
    expect(opened.kind).toBe(kind);
    expect(reveal(opened)).toBe(value);
  });

  it('writes version | iv(12) | tag(16) | data under the active key id', () => {
    const sealed = vault.seal(customerToken, row);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext[0]).toBe(1);
    expect(sealed.ciphertext.length).toBe(1 + 12 + 16 + Buffer.byteLength(TOKEN));
    expect(sealed.ciphertext.includes(Buffer.from(TOKEN))).toBe(false);
  });

  it('uses a fresh IV each time', () => {
    const a = vault.seal(customerToken, row).ciphertext;
    const b = vault.seal(customerToken, row).ciphertext;
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('opens a row read back as a Uint8Array', () => {
    const sealed = vault.seal(customerToken, row);
    const fromDb = { keyId: sealed.keyId, ciphertext: new Uint8Array(sealed.ciphertext) };
    expect(reveal(vault.open('klarna-customer-token', fromDb, row))).toBe(TOKEN);
  });

  it.each<[string, SecretKind, SealContext]>([
    ['another row', 'klarna-customer-token', { purpose: 'customer-token', rowId: 'tok_2' }],
    ['another purpose', 'klarna-customer-token', { purpose: 'signing-key', rowId: 'tok_1' }],
    ['another kind', 'klarna-network-session-token', row],
  ])('refuses to open a ciphertext for %s', (_what, kind, context) => {
    const sealed = vault.seal(customerToken, row);
    expectVaultError('TAMPERED', () => vault.open(kind, sealed, context));
  });

  it.each([
    ['IV', 1],
    ['tag', 13],
    ['data', 29],
    ['last data byte', -1],
  ])('detects a changed %s byte', (_part, index) => {
    const sealed = vault.seal(customerToken, row);
    const at = index < 0 ? sealed.ciphertext.length + index : index;
    expectVaultError('TAMPERED', () => vault.open('klarna-customer-token', flip(sealed, at), row));
  });

  it('refuses a ciphertext under another key with the same id', () => {
    const sealed = vault.seal(customerToken, row);
    const impostor = vaultOf([{ id: 'k1', key: randomBytes(32) }]);
    expectVaultError('TAMPERED', () => impostor.open('klarna-customer-token', sealed, row));
  });

  it('refuses an unknown layout version and a short ciphertext', () => {
    const sealed = vault.seal(customerToken, row);
    const v2 = Buffer.from(sealed.ciphertext);
    v2[0] = 2;
    expectVaultError('BAD_FORMAT', () =>
      vault.open('klarna-customer-token', { keyId: 'k1', ciphertext: v2 }, row),
    );
    const short = sealed.ciphertext.subarray(0, 29);
    expectVaultError('BAD_FORMAT', () =>
      vault.open('klarna-customer-token', { keyId: 'k1', ciphertext: short }, row),
    );
  });

  it('names an unknown key id', () => {
    const sealed = vault.seal(customerToken, row);
    const error = expectVaultError('UNKNOWN_KEY', () =>
      vault.open('klarna-customer-token', { ...sealed, keyId: 'gone' }, row),
    );
    expect(error.message).toContain('"gone"');
  });

  it('refuses a malformed context and a value that is not well-formed Unicode', () => {
    expect(() => vault.seal(customerToken, { purpose: 'other' as SealPurpose, rowId: 'x' })).toThrow(
      TypeError,
    );
    expect(() => vault.seal(customerToken, { purpose: 'customer-token', rowId: '' })).toThrow(TypeError);
    expect(() => vault.seal(Secret.wrap('klarna-signing-key', 'a\uD800b'), row)).toThrow(TypeError);
  });
});

describe('key rotation', () => {
  it('opens old ciphertexts after a new key becomes active, and reseals them under it', () => {
    const before = vaultOf([k1]);
    const old = before.seal(customerToken, row);
    expect(before.needsReseal(old)).toBe(false);

    const after = vaultOf([k1, k2]); // the last listed key is active
    expect(after.keyring.activeKeyId).toBe('k2');
    expect(reveal(after.open('klarna-customer-token', old, row))).toBe(TOKEN);
    expect(after.needsReseal(old)).toBe(true);

    const resealed = after.reseal('klarna-customer-token', old, row);
    expect(resealed.keyId).toBe('k2');
    expect(after.needsReseal(resealed)).toBe(false);
    expect(reveal(after.open('klarna-customer-token', resealed, row))).toBe(TOKEN);

    // Once every row is resealed, k1 can go.
    const retired = vaultOf([k2]);
    expect(reveal(retired.open('klarna-customer-token', resealed, row))).toBe(TOKEN);
    expectVaultError('UNKNOWN_KEY', () => retired.open('klarna-customer-token', old, row));
  });

  it('keeps an explicitly chosen active key', () => {
    expect(vaultOf([k1, k2], 'k1').seal(customerToken, row).keyId).toBe('k1');
  });

  it('does not reseal what it cannot open', () => {
    const old = vaultOf([k1]).seal(customerToken, row);
    expectVaultError('TAMPERED', () =>
      vaultOf([k1, k2]).reseal('klarna-customer-token', old, { ...row, rowId: 'x' }),
    );
  });
});

describe('fingerprint', () => {
  it('is the fingerprint key id and an HMAC-SHA256, stable across encryption key rotation', () => {
    const print = vaultOf([k1]).fingerprint(customerToken);
    expect(print).toMatch(/^fp1:[0-9a-f]{64}$/);
    expect(vaultOf([k1, k2]).fingerprint(customerToken)).toBe(print);
    expect(vaultOf([k2]).fingerprint(Secret.wrap('klarna-customer-token', TOKEN))).toBe(print);
    expect(print).not.toContain(TOKEN);
  });

  it('differs between tokens and between fingerprint keys', () => {
    const vault = vaultOf([k1]);
    expect(vault.fingerprint(Secret.wrap('klarna-customer-token', `${TOKEN}x`))).not.toBe(
      vault.fingerprint(customerToken),
    );
    const otherKey = new Vault(
      new Keyring({ encryptionKeys: [k1], fingerprintKey: { id: 'fp2', key: randomBytes(32) } }),
    );
    expect(otherKey.fingerprint(customerToken).slice(4)).not.toBe(vault.fingerprint(customerToken).slice(4));
  });
});

describe('Keyring', () => {
  it('prints its ids, never its keys', () => {
    const keyring = new Keyring({ encryptionKeys: [k1, k2], fingerprintKey: fp });
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { depth: 10, showHidden: true })} ${String(keyring)}`;
    expect(shown).toContain('k1');
    for (const key of [k1, k2, fp]) {
      expect(shown).not.toContain(Buffer.from(key.key as Uint8Array).toString('base64'));
      expect(shown).not.toContain(Buffer.from(key.key as Uint8Array).toString('hex'));
    }
  });

  it.each<[string, () => Keyring]>([
    ['no keys', () => new Keyring({ encryptionKeys: [], fingerprintKey: fp })],
    [
      'a short key',
      () => new Keyring({ encryptionKeys: [{ id: 'k', key: randomBytes(16) }], fingerprintKey: fp }),
    ],
    [
      'a bad id',
      () => new Keyring({ encryptionKeys: [{ id: 'a:b', key: randomBytes(32) }], fingerprintKey: fp }),
    ],
    ['a duplicate id', () => new Keyring({ encryptionKeys: [k1, { ...k2, id: 'k1' }], fingerprintKey: fp })],
    [
      'an unknown active id',
      () => new Keyring({ encryptionKeys: [k1], activeKeyId: 'k2', fingerprintKey: fp }),
    ],
    [
      'a short fingerprint key',
      () => new Keyring({ encryptionKeys: [k1], fingerprintKey: { id: 'f', key: randomBytes(31) } }),
    ],
    ['a reused key', () => new Keyring({ encryptionKeys: [k1], fingerprintKey: { id: 'f', key: k1.key } })],
  ])('refuses %s', (_what, build) => {
    expect(build).toThrow(TypeError);
  });
});

describe('Vault, property', () => {
  const vault = vaultOf([k1, k2]);

  it('round-trips any token, and no ciphertext contains the plaintext bytes', () => {
    fc.assert(
      fc.property(
        // Eight or more characters: a shorter plaintext could appear in random bytes by chance.
        fc.string({ unit: 'binary', minLength: 8, maxLength: 300 }),
        fc.constantFrom<SealPurpose>(
          'customer-token',
          'network-session-token',
          'signing-key',
          'webhook-secrets',
        ),
        fc.string({ minLength: 1, maxLength: 40 }),
        (value, purpose, rowId) => {
          const context = { purpose, rowId };
          const sealed = vault.seal(Secret.wrap('klarna-customer-token', value), context);
          expect(sealed.ciphertext.includes(Buffer.from(value, 'utf8'))).toBe(false);
          expect(reveal(vault.open('klarna-customer-token', sealed, context))).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});
