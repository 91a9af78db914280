// The signing keys webhooks are verified with, by Klarna-Signing-Key-Id: loaded from the
// database and opened by the vault, re-read when an unknown id arrives (a key added by a rotation
// in another process), at most once a second so forged ids cannot hammer the database, and at
// least every 30 s, so a key retired by another process stops verifying here within that time.
import type { Clock } from '../domain/index.js';
import type { SigningKeySecret } from '../secrets/secret.js';
import type { Db } from '../store/db.js';
import { activeSigningKeys } from '../store/signing-keys.js';
import type { Vault } from '../vault/vault.js';

const RELOAD_INTERVAL_MS = 1_000;
export const SIGNING_KEYS_MAX_AGE_MS = 30_000;

export class SigningKeyRing {
  private keys = new Map<string, SigningKeySecret>();
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  /** One reload at a time; concurrent callers share it. */
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
    /** Real time (reload pacing is about load, not business time). */
    private readonly realClock: Clock,
  ) {}

  async get(klarnaSigningKeyId: string): Promise<SigningKeySecret | undefined> {
    const age = this.realClock.now().getTime() - this.loadedAtMs;
    const unknown = !this.keys.has(klarnaSigningKeyId);
    if (age >= SIGNING_KEYS_MAX_AGE_MS || (unknown && age >= RELOAD_INTERVAL_MS)) await this.reload();
    return this.keys.get(klarnaSigningKeyId);
  }

  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await activeSigningKeys(this.db);
    const keys = new Map<string, SigningKeySecret>();
    for (const row of rows) {
      keys.set(
        row.klarnaSigningKeyId,
        this.vault.open(
          'klarna-signing-key',
          { keyId: row.keyId, ciphertext: Buffer.from(row.encryptedSecret) },
          { purpose: 'signing-key', rowId: row.id },
        ),
      );
    }
    this.keys = keys;
    this.loadedAtMs = this.realClock.now().getTime();
  }
}
