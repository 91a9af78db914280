// The vault's public surface: what the repository that stores ciphertexts, the roles that load
// configuration, and the re-encryption command use.
export { Keyring, KEY_ID_PATTERN, ENCRYPTION_KEY_BYTES, MIN_FINGERPRINT_KEY_BYTES } from './keyring.js';
export type { KeySpec, KeyringSpec } from './keyring.js';
export { Vault } from './vault.js';
export type { Sealed, SealedInput } from './vault.js';
export { SEAL_PURPOSES } from './seal-context.js';
export type { SealContext, SealPurpose } from './seal-context.js';
export { VaultError } from './vault-error.js';
export type { VaultErrorCode } from './vault-error.js';
export {
  vaultConfigSchema,
  keyringFromVaultConfig,
  loadVaultKeyring,
  DEVELOPMENT_KEY_ID,
  DEVELOPMENT_FINGERPRINT_KEY_ID,
  DEVELOPMENT_VAULT_KEYS,
  DEVELOPMENT_VAULT_FINGERPRINT_KEY,
} from './vault-config.js';
export type { VaultConfig, VaultKeyringSettings } from './vault-config.js';
