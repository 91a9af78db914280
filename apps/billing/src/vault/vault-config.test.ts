import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEVELOPMENT_FINGERPRINT_KEY_ID,
  DEVELOPMENT_KEY_ID,
  DEVELOPMENT_VAULT_FINGERPRINT_KEY,
  DEVELOPMENT_VAULT_KEYS,
  keyringFromVaultConfig,
  loadVaultKeyring,
  vaultConfigSchema,
} from './vault-config.js';
import { Vault } from './vault.js';
import { baseConfigSchema, ConfigError, parseConfig } from '../config/config.js';
import { reveal } from '../secrets/reveal.js';
import { Secret } from '../secrets/secret.js';

const b64 = (bytes = 32): string => randomBytes(bytes).toString('base64');
const KEY_A = b64();
const KEY_B = b64();
const FP = b64(48);

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadVaultKeyring(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const error = e as ConfigError;
    for (const secret of [KEY_A, KEY_B, FP]) expect(error.message).not.toContain(secret);
    return error;
  }
  throw new Error('expected a ConfigError');
}

const variables = (error: ConfigError): string[] => [...new Set(error.issues.map((i) => i.variable))].sort();

describe('loadVaultKeyring', () => {
  it('reads the keys; the last listed is active unless one is named', () => {
    const env = { VAULT_KEYS: `old:${KEY_A}, new:${KEY_B}`, VAULT_FINGERPRINT_KEY: `fp7:${FP}` };
    const { keyring, warning } = loadVaultKeyring({ ...env, NODE_ENV: 'production' });
    expect(keyring.keyIds).toEqual(['old', 'new']);
    expect(keyring.activeKeyId).toBe('new');
    expect(keyring.fingerprintKeyId).toBe('fp7');
    expect(warning).toBeUndefined();
    expect(loadVaultKeyring({ ...env, VAULT_ACTIVE_KEY_ID: 'old' }).keyring.activeKeyId).toBe('old');
  });

  it('uses the configured key bytes (a ciphertext opens under a keyring built from the same value)', () => {
    const env = { VAULT_KEYS: `k1:${KEY_A}`, VAULT_FINGERPRINT_KEY: FP };
    const first = new Vault(loadVaultKeyring(env).keyring);
    const second = new Vault(loadVaultKeyring(env).keyring);
    const context = { purpose: 'customer-token' as const, rowId: 'r1' };
    const sealed = first.seal(Secret.wrap('klarna-customer-token', 'krn:customer-token:eu1:x'), context);
    expect(reveal(second.open('klarna-customer-token', sealed, context))).toBe('krn:customer-token:eu1:x');
  });

  it('derives a fingerprint key id that changes with the key when none is given', () => {
    const id = (fp: string) =>
      loadVaultKeyring({ VAULT_KEYS: `k1:${KEY_A}`, VAULT_FINGERPRINT_KEY: fp }).keyring;
    expect(id(FP).fingerprintKeyId).toMatch(/^fp-[0-9a-f]{12}$/);
    expect(id(FP).fingerprintKeyId).toBe(id(FP).fingerprintKeyId);
    expect(id(b64(32)).fingerprintKeyId).not.toBe(id(FP).fingerprintKeyId);
  });

  it('falls back to named development keys outside production, with a warning', () => {
    for (const NODE_ENV of [undefined, 'development', 'test']) {
      const { keyring, warning } = loadVaultKeyring({ NODE_ENV });
      expect(keyring.keyIds).toEqual([DEVELOPMENT_KEY_ID]);
      expect(keyring.fingerprintKeyId).toBe(DEVELOPMENT_FINGERPRINT_KEY_ID);
      expect(warning).toMatch(/VAULT_KEYS and VAULT_FINGERPRINT_KEY unset.*development keys/);
    }
    const partial = loadVaultKeyring({ VAULT_KEYS: `k1:${KEY_A}` });
    expect(partial.keyring.keyIds).toEqual(['k1']);
    expect(partial.warning).toMatch(/^VAULT_FINGERPRINT_KEY unset/);
  });

  it('development keys are fixed, so ciphertexts survive a restart', () => {
    const context = { purpose: 'signing-key' as const, rowId: 'r1' };
    const sealed = new Vault(loadVaultKeyring({}).keyring).seal(
      Secret.wrap('klarna-signing-key', 's3'),
      context,
    );
    expect(reveal(new Vault(loadVaultKeyring({}).keyring).open('klarna-signing-key', sealed, context))).toBe(
      's3',
    );
  });

  it('requires real keys in production, naming each missing variable', () => {
    expect(variables(configError({ NODE_ENV: 'production' }))).toEqual([
      'VAULT_FINGERPRINT_KEY',
      'VAULT_KEYS',
    ]);
    expect(variables(configError({ NODE_ENV: 'production', VAULT_FINGERPRINT_KEY: FP }))).toEqual([
      'VAULT_KEYS',
    ]);
  });

  it('refuses the public development keys in production, whatever id they carry', () => {
    const devKeyBase64 = DEVELOPMENT_VAULT_KEYS.split(':')[1] ?? '';
    const devFingerprintBase64 = DEVELOPMENT_VAULT_FINGERPRINT_KEY.split(':')[1] ?? '';
    const production = { NODE_ENV: 'production', VAULT_KEYS: `k1:${KEY_A}`, VAULT_FINGERPRINT_KEY: FP };
    expect(variables(configError({ ...production, VAULT_KEYS: DEVELOPMENT_VAULT_KEYS }))).toEqual([
      'VAULT_KEYS',
    ]);
    expect(variables(configError({ ...production, VAULT_KEYS: `k1:${KEY_A},prod:${devKeyBase64}` }))).toEqual(
      ['VAULT_KEYS'],
    );
    expect(variables(configError({ ...production, VAULT_FINGERPRINT_KEY: devFingerprintBase64 }))).toEqual([
      'VAULT_FINGERPRINT_KEY',
    ]);
    // Outside production they are what the defaults are.
    const explicit = loadVaultKeyring({
      VAULT_KEYS: DEVELOPMENT_VAULT_KEYS,
      VAULT_FINGERPRINT_KEY: DEVELOPMENT_VAULT_FINGERPRINT_KEY,
    });
    expect(explicit.warning).toBeUndefined();
    const context = { purpose: 'customer-token' as const, rowId: 'r1' };
    const token = Secret.wrap('klarna-customer-token', 'krn:customer-token:eu1:y');
    const sealed = new Vault(loadVaultKeyring({}).keyring).seal(token, context);
    expect(reveal(new Vault(explicit.keyring).open('klarna-customer-token', sealed, context))).toBe(
      'krn:customer-token:eu1:y',
    );
    expect(new Vault(explicit.keyring).fingerprint(token)).toBe(
      new Vault(loadVaultKeyring({}).keyring).fingerprint(token),
    );
  });

  it.each<[string, NodeJS.ProcessEnv, string, RegExp]>([
    ['an entry without a colon', { VAULT_KEYS: KEY_A }, 'VAULT_KEYS', /entry 1 is not keyId:base64key/],
    ['an empty entry', { VAULT_KEYS: `k1:${KEY_A},` }, 'VAULT_KEYS', /entry 2 is not keyId:base64key/],
    ['a bad key id', { VAULT_KEYS: `k 1:${KEY_A}` }, 'VAULT_KEYS', /entry 1: the key id must match/],
    ['a long key id', { VAULT_KEYS: `${'k'.repeat(33)}:${KEY_A}` }, 'VAULT_KEYS', /entry 1: the key id/],
    ['a duplicate id', { VAULT_KEYS: `k1:${KEY_A},k1:${KEY_B}` }, 'VAULT_KEYS', /"k1" is listed twice/],
    ['bad base64', { VAULT_KEYS: `k1:${KEY_A.slice(1)}` }, 'VAULT_KEYS', /"k1" is not valid base64/],
    ['a 16-byte key', { VAULT_KEYS: `k1:${b64(16)}` }, 'VAULT_KEYS', /must be 32 bytes \(AES-256\), not 16/],
    [
      'an unknown active id',
      { VAULT_ACTIVE_KEY_ID: 'k9' },
      'VAULT_ACTIVE_KEY_ID',
      /no key "k9" in VAULT_KEYS/,
    ],
    ['a malformed active id', { VAULT_ACTIVE_KEY_ID: 'k/9' }, 'VAULT_ACTIVE_KEY_ID', /must match/],
    [
      'a short fingerprint key',
      { VAULT_FINGERPRINT_KEY: b64(31) },
      'VAULT_FINGERPRINT_KEY',
      /at least 32 bytes/,
    ],
    ['a bad fingerprint key id', { VAULT_FINGERPRINT_KEY: `f p:${FP}` }, 'VAULT_FINGERPRINT_KEY', /key id/],
    [
      'a fingerprint key equal to an encryption key',
      { VAULT_KEYS: `k1:${KEY_A}`, VAULT_FINGERPRINT_KEY: KEY_A },
      'VAULT_FINGERPRINT_KEY',
      /must differ from every key in VAULT_KEYS/,
    ],
  ])('names the variable for %s', (_what, env, variable, problem) => {
    const error = configError(env);
    expect(variables(error)).toEqual([variable]);
    expect(error.message).toMatch(problem);
  });

  it('merges into a role configuration', () => {
    const schema = baseConfigSchema.extend(vaultConfigSchema.shape);
    const config = parseConfig(schema, {
      LOG_LEVEL: 'debug',
      VAULT_KEYS: `k1:${KEY_A}`,
      VAULT_FINGERPRINT_KEY: FP,
    });
    expect(config.LOG_LEVEL).toBe('debug');
    const { keyring } = keyringFromVaultConfig(config, 'production');
    expect(keyring.keyIds).toEqual(['k1']);
    expect(JSON.stringify(config)).not.toContain(KEY_A);
  });
});
