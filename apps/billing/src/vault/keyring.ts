// The vault's keys: AES-256 keys by id (one of them active for new ciphertexts) and the HMAC key
// for fingerprints. Keys live in node:crypto KeyObjects, which never print their bytes; the
// keyring itself prints only its ids (JSON, util.inspect, String()).
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const ENCRYPTION_KEY_BYTES = 32;
export const MIN_FINGERPRINT_KEY_BYTES = 32;

export interface KeySpec {
  id: string;
  /** Raw key bytes (copied) or a secret KeyObject. */
  key: Uint8Array | KeyObject;
}

export interface KeyringSpec {
  /** In the order configured; the last one is active unless `activeKeyId` says otherwise. */
  encryptionKeys: readonly KeySpec[];
  activeKeyId?: string;
  fingerprintKey: KeySpec;
}

export class Keyring {
  readonly activeKeyId: string;
  readonly fingerprintKeyId: string;
  readonly #encryptionKeys: ReadonlyMap<string, KeyObject>;
  readonly #fingerprintKey: KeyObject;

  /** Throws TypeError on an invalid spec: configuration is validated, with names, before this. */
  constructor(spec: KeyringSpec) {
    const keys = new Map<string, KeyObject>();
    for (const { id, key } of spec.encryptionKeys) {
      assertKeyId(id);
      if (keys.has(id)) throw new TypeError(`duplicate vault key id "${id}"`);
      const keyObject = toKeyObject(key);
      if (keyObject.symmetricKeySize !== ENCRYPTION_KEY_BYTES) {
        throw new TypeError(`vault key "${id}" must be ${ENCRYPTION_KEY_BYTES} bytes`);
      }
      keys.set(id, keyObject);
    }
    const activeKeyId = spec.activeKeyId ?? spec.encryptionKeys.at(-1)?.id;
    if (activeKeyId === undefined) throw new TypeError('a keyring needs at least one encryption key');
    if (!keys.has(activeKeyId))
      throw new TypeError(`active vault key "${activeKeyId}" is not in the keyring`);

    assertKeyId(spec.fingerprintKey.id);
    const fingerprintKey = toKeyObject(spec.fingerprintKey.key);
    if ((fingerprintKey.symmetricKeySize ?? 0) < MIN_FINGERPRINT_KEY_BYTES) {
      throw new TypeError(`fingerprint key must be at least ${MIN_FINGERPRINT_KEY_BYTES} bytes`);
    }
    if ([...keys.values()].some((key) => key.equals(fingerprintKey))) {
      throw new TypeError('the fingerprint key must differ from every encryption key');
    }

    this.#encryptionKeys = keys;
    this.activeKeyId = activeKeyId;
    this.#fingerprintKey = fingerprintKey;
    this.fingerprintKeyId = spec.fingerprintKey.id;
  }

  get keyIds(): string[] {
    return [...this.#encryptionKeys.keys()];
  }

  encryptionKey(id: string): KeyObject | undefined {
    return this.#encryptionKeys.get(id);
  }

  /** HMAC-SHA256 under the fingerprint key, hex. */
  fingerprintHex(value: string): string {
    return createHmac('sha256', this.#fingerprintKey).update(value, 'utf8').digest('hex');
  }

  toJSON(): { keyIds: string[]; activeKeyId: string; fingerprintKeyId: string } {
    return { keyIds: this.keyIds, activeKeyId: this.activeKeyId, fingerprintKeyId: this.fingerprintKeyId };
  }

  toString(): string {
    return `Keyring(${JSON.stringify(this.toJSON())})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function assertKeyId(id: string): void {
  // The id is not echoed: a malformed one may be key material pasted into the wrong place.
  if (!KEY_ID_PATTERN.test(id)) throw new TypeError(`a vault key id must match ${KEY_ID_PATTERN.source}`);
}

function toKeyObject(key: Uint8Array | KeyObject): KeyObject {
  if (key instanceof Uint8Array) return createSecretKey(key);
  if (key.type !== 'secret') throw new TypeError('vault keys must be secret (symmetric) keys');
  return key;
}
