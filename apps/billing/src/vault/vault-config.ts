// The vault's keys from the environment. Two steps, so roles can merge the schema into their own:
//   const cfg = parseConfig(baseConfigSchema.extend(vaultConfigSchema.shape), env);
//   const { keyring, warning } = keyringFromVaultConfig(cfg, env.NODE_ENV);   // log the warning once
// (or `loadVaultKeyring(env)` for both). Problems are ConfigErrors naming the variable, and their
// messages never contain key material.
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ENCRYPTION_KEY_BYTES, KEY_ID_PATTERN, Keyring, MIN_FINGERPRINT_KEY_BYTES } from './keyring.js';
import { ConfigError, parseConfig } from '../config/config.js';

interface ParsedKey {
  id: string;
  key: KeyObject;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `keyId:base64key,...`: 32-byte AES-256 keys, unique ids. */
const keyList = z.string().transform((text, ctx): ParsedKey[] => {
  const problems: string[] = [];
  const keys: ParsedKey[] = [];
  text.split(',').forEach((rawEntry, index) => {
    const problem = addKey(keys, rawEntry.trim(), `entry ${index + 1}`);
    if (problem !== undefined) problems.push(problem);
  });
  for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
  return problems.length === 0 ? keys : z.NEVER;
});

/** Parses one `keyId:base64key` entry onto `keys`, or says what is wrong with it. */
function addKey(keys: ParsedKey[], entry: string, where: string): string | undefined {
  const colon = entry.indexOf(':');
  // Ids are echoed only once they are known to be ids, not a pasted key.
  if (colon < 0) return `${where} is not keyId:base64key`;
  const id = entry.slice(0, colon);
  if (!KEY_ID_PATTERN.test(id)) return `${where}: the key id must match ${KEY_ID_PATTERN.source}`;
  if (keys.some((k) => k.id === id)) return `key id "${id}" is listed twice`;
  const bytes = decodeBase64(entry.slice(colon + 1));
  if (bytes === undefined) return `key "${id}" is not valid base64`;
  if (bytes.length !== ENCRYPTION_KEY_BYTES) {
    return `key "${id}" must be ${ENCRYPTION_KEY_BYTES} bytes (AES-256), not ${bytes.length}`;
  }
  keys.push({ id, key: toKeyObject(bytes) });
  return undefined;
}

/** `base64key`, or `keyId:base64key`; at least 32 bytes. */
const fingerprintKey = z.string().transform((text, ctx): ParsedKey => {
  const colon = text.indexOf(':');
  const id = colon < 0 ? undefined : text.slice(0, colon);
  if (id !== undefined && !KEY_ID_PATTERN.test(id)) {
    ctx.addIssue({ code: 'custom', message: `the key id before ":" must match ${KEY_ID_PATTERN.source}` });
    return z.NEVER;
  }
  const bytes = decodeBase64(text.slice(colon + 1));
  if (bytes === undefined || bytes.length < MIN_FINGERPRINT_KEY_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `must be base64 of at least ${MIN_FINGERPRINT_KEY_BYTES} bytes`,
    });
    return z.NEVER;
  }
  const key = toKeyObject(bytes);
  return { id: id ?? derivedFingerprintKeyId(key), key };
});

export const vaultConfigSchema = z.object({
  /** Comma-separated `keyId:base64key` (32-byte AES-256 keys). Old keys stay listed until every row is resealed. */
  VAULT_KEYS: keyList.optional(),
  /** The key new ciphertexts use; defaults to the last one in VAULT_KEYS. */
  VAULT_ACTIVE_KEY_ID: z
    .string()
    .regex(KEY_ID_PATTERN, { message: `must match ${KEY_ID_PATTERN.source}` })
    .optional(),
  /** The HMAC key of token fingerprints (dedupe): base64 of >= 32 bytes, optionally `keyId:` first. */
  VAULT_FINGERPRINT_KEY: fingerprintKey.optional(),
});

export type VaultConfig = z.infer<typeof vaultConfigSchema>;

export interface VaultKeyringSettings {
  keyring: Keyring;
  /** Set when built-in development keys were used: log it once at start. */
  warning: string | undefined;
}

// Fixed, public, development-only keys, derived from a label anyone can read here. Exported in
// the variables' own format, so a developer can put them in .env, and tests can check that
// production refuses them.
export const DEVELOPMENT_KEY_ID = 'insecure-development-key';
export const DEVELOPMENT_FINGERPRINT_KEY_ID = 'insecure-development-fp';
export const DEVELOPMENT_VAULT_KEYS = `${DEVELOPMENT_KEY_ID}:${developmentKeyBase64('vault key')}`;
export const DEVELOPMENT_VAULT_FINGERPRINT_KEY = `${DEVELOPMENT_FINGERPRINT_KEY_ID}:${developmentKeyBase64('fingerprint key')}`;
const developmentKey = toKeyObject(Buffer.from(developmentKeyBase64('vault key'), 'base64'));
const developmentFingerprintKey = toKeyObject(Buffer.from(developmentKeyBase64('fingerprint key'), 'base64'));

/** Resolves defaults and checks what spans variables. `nodeEnv` is NODE_ENV. */
export function keyringFromVaultConfig(
  config: VaultConfig,
  nodeEnv: string | undefined,
): VaultKeyringSettings {
  const production = nodeEnv === 'production';
  const issues: { variable: string; problem: string }[] = [];
  const defaulted: string[] = [];

  let keys = config.VAULT_KEYS;
  if (keys === undefined && production) {
    issues.push({ variable: 'VAULT_KEYS', problem: 'must be set when NODE_ENV=production' });
  } else if (keys === undefined) {
    keys = [{ id: DEVELOPMENT_KEY_ID, key: developmentKey }];
    defaulted.push('VAULT_KEYS');
  }
  let fingerprint = config.VAULT_FINGERPRINT_KEY;
  if (fingerprint === undefined && production) {
    issues.push({ variable: 'VAULT_FINGERPRINT_KEY', problem: 'must be set when NODE_ENV=production' });
  } else if (fingerprint === undefined) {
    fingerprint = { id: DEVELOPMENT_FINGERPRINT_KEY_ID, key: developmentFingerprintKey };
    defaulted.push('VAULT_FINGERPRINT_KEY');
  }

  if (production && keys?.some(({ key }) => key.equals(developmentKey))) {
    issues.push({ variable: 'VAULT_KEYS', problem: 'holds the public development key' });
  }
  if (production && fingerprint?.key.equals(developmentFingerprintKey) === true) {
    issues.push({ variable: 'VAULT_FINGERPRINT_KEY', problem: 'is the public development key' });
  }
  const active = config.VAULT_ACTIVE_KEY_ID;
  if (keys !== undefined && active !== undefined && !keys.some(({ id }) => id === active)) {
    issues.push({ variable: 'VAULT_ACTIVE_KEY_ID', problem: `no key "${active}" in VAULT_KEYS` });
  }
  if (fingerprint !== undefined && keys?.some(({ key }) => key.equals(fingerprint.key)) === true) {
    issues.push({ variable: 'VAULT_FINGERPRINT_KEY', problem: 'must differ from every key in VAULT_KEYS' });
  }
  if (issues.length > 0 || keys === undefined || fingerprint === undefined) throw new ConfigError(issues);

  const keyring = new Keyring({
    encryptionKeys: keys,
    ...(active === undefined ? {} : { activeKeyId: active }),
    fingerprintKey: fingerprint,
  });
  const warning =
    defaulted.length === 0
      ? undefined
      : `${defaulted.join(' and ')} unset: using the built-in development keys, which are public. ` +
        'Anything sealed with them is readable by anyone; set real keys before storing real tokens ' +
        '(required when NODE_ENV=production).';
  return { keyring, warning };
}

/** Both steps on the environment alone. */
export function loadVaultKeyring(env: NodeJS.ProcessEnv): VaultKeyringSettings {
  return keyringFromVaultConfig(parseConfig(vaultConfigSchema, env), env.NODE_ENV);
}

/** Buffer.from(_, 'base64') skips what it does not understand; this refuses it instead. */
function decodeBase64(text: string): Buffer | undefined {
  const trimmed = text.trim();
  return trimmed !== '' && BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
}

/** Copies the bytes into a KeyObject (which never prints them) and wipes the copy we decoded. */
function toKeyObject(bytes: Buffer): KeyObject {
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

/** A stable id for a fingerprint key given without one: changes whenever the key does. */
function derivedFingerprintKeyId(key: KeyObject): string {
  return `fp-${createHmac('sha256', key).update('rebill fingerprint key id').digest('hex').slice(0, 12)}`;
}

function developmentKeyBase64(label: string): string {
  return createHash('sha256')
    .update(`rebill ${label} for development only; public, never secret`)
    .digest('base64');
}
