// Encrypts and decrypts secrets for storage. Pure: keys are injected (a Keyring), nothing is read
// or written; the repository that stores ciphertexts, audits decrypts and re-encrypts rows calls
// this. AES-256-GCM with a random 96-bit IV per seal; the row, purpose and secret kind are bound
// as associated data (see seal-context.ts); the layout is in envelope.ts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, IV_BYTES } from './envelope.js';
import type { Keyring } from './keyring.js';
import { assertSealContext, associatedData, type SealContext } from './seal-context.js';
import { VaultError } from './vault-error.js';
import { reveal } from '../secrets/reveal.js';
import { Secret, type SecretKind } from '../secrets/secret.js';

export interface Sealed {
  /** Stored beside the ciphertext, so rows under an old key can be found and resealed. */
  keyId: string;
  ciphertext: Buffer;
}

/** What `open` accepts: a `Sealed`, or a row's columns (Prisma returns `Bytes` as Uint8Array). */
export interface SealedInput {
  keyId: string;
  ciphertext: Uint8Array;
}

const ALGORITHM = 'aes-256-gcm';
/** Lone UTF-16 surrogates do not survive UTF-8; refusing them keeps every round trip exact. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Vault {
  constructor(readonly keyring: Keyring) {}

  seal(secret: Secret<SecretKind>, context: SealContext): Sealed {
    assertSealContext(context);
    const keyId = this.keyring.activeKeyId;
    const key = this.keyring.encryptionKey(keyId);
    if (key === undefined) throw new VaultError('UNKNOWN_KEY', `active key "${keyId}" is missing`);
    const value = reveal(secret);
    if (LONE_SURROGATE.test(value)) throw new TypeError(`${secret.kind} is not well-formed Unicode`);

    const plaintext = Buffer.from(value, 'utf8');
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      cipher.setAAD(associatedData(ENVELOPE_VERSION, secret.kind, context));
      const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { keyId, ciphertext: encodeEnvelope({ iv, tag: cipher.getAuthTag(), data }) };
    } finally {
      plaintext.fill(0);
    }
  }

  /** Throws VaultError (UNKNOWN_KEY, TAMPERED, BAD_FORMAT); never returns a wrong secret. */
  open<K extends SecretKind>(kind: K, sealed: SealedInput, context: SealContext): Secret<K> {
    assertSealContext(context);
    const where = `${context.purpose} of row "${context.rowId}"`;
    const key = this.keyring.encryptionKey(sealed.keyId);
    if (key === undefined) {
      throw new VaultError(
        'UNKNOWN_KEY',
        `cannot open ${where}: no vault key "${sealed.keyId}" (known: ${this.keyring.keyIds.join(', ')})`,
      );
    }
    const decoded = decodeEnvelope(sealed.ciphertext);
    if (!decoded.ok)
      throw new VaultError('BAD_FORMAT', `cannot open ${where}: ciphertext ${decoded.problem}`);

    const { iv, tag, data } = decoded.envelope;
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv);
      decipher.setAAD(associatedData(ENVELOPE_VERSION, kind, context));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new VaultError(
        'TAMPERED',
        `cannot open ${where} as ${kind} with key "${sealed.keyId}": authentication failed ` +
          '(changed bytes, or sealed for another row, purpose or kind)',
      );
    }
    try {
      return Secret.wrap(kind, utf8.decode(plaintext));
    } catch {
      throw new VaultError('BAD_FORMAT', `cannot open ${where}: the plaintext is not a UTF-8 ${kind}`);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * A keyed digest of the raw value, for finding duplicates without decrypting (e.g. one token
   * stored twice). Prefixed with the fingerprint key's id so a later rotation can tell old from new.
   */
  fingerprint(secret: Secret<SecretKind>): string {
    return `${this.keyring.fingerprintKeyId}:${this.keyring.fingerprintHex(reveal(secret))}`;
  }

  /** True when the ciphertext is under a key other than the active one. */
  needsReseal(sealed: Pick<SealedInput, 'keyId'>): boolean {
    return sealed.keyId !== this.keyring.activeKeyId;
  }

  /** Opens under whatever key it names and seals again under the active key, with a fresh IV. */
  reseal(kind: SecretKind, sealed: SealedInput, context: SealContext): Sealed {
    return this.seal(this.open(kind, sealed, context), context);
  }
}
