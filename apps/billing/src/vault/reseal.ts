// Re-encrypts every stored ciphertext under the vault's active key, so an old key can be removed
// from VAULT_KEYS. Table by table, in pages keyed by id; each row is written with a compare-and-set
// (still the ciphertext that was read?), so a writer that changed the row meanwhile wins and the
// row is read again. Rows already under the active key are never selected: a second run, or a run
// after a crash, finds only what is left. Rows that cannot be opened are reported and left alone.
import type { Clock } from '../domain/index.js';
import type { SecretKind } from '../secrets/secret.js';
import { systemActor, type AuditEntry } from '../store/audit.js';
import type { SealedRow, SealedTable, SealedValue } from '../store/sealed-columns.js';
import { SEALED_TABLES } from '../store/sealed-columns.js';
import type { SealPurpose } from './seal-context.js';
import { VaultError, type VaultErrorCode } from './vault-error.js';
import type { Vault } from './vault.js';

/** What each column holds, as the code that sealed it bound it (kind, purpose, row id = the row's id). */
export const SEALED_SECRETS: Record<
  SealedTable,
  { readonly kind: SecretKind; readonly purpose: SealPurpose }
> = {
  CustomerToken: { kind: 'klarna-customer-token', purpose: 'customer-token' },
  KlarnaSigningKey: { kind: 'klarna-signing-key', purpose: 'signing-key' },
  WebhookEvent: { kind: 'klarna-webhook-secrets', purpose: 'webhook-secrets' },
  ChargeAttempt: { kind: 'klarna-network-session-token', purpose: 'network-session-token' },
  WebhookEndpointSecret: { kind: 'merchant-webhook-secret', purpose: 'merchant-webhook-secret' },
};

/** The database side: src/store/sealed-columns.ts and the audit trail, bound to one database. */
export interface ResealStore {
  countByKeyId(table: SealedTable): Promise<Record<string, number>>;
  readPage(
    table: SealedTable,
    page: { activeKeyId: string; afterId: string | null; limit: number },
  ): Promise<SealedRow[]>;
  readRow(table: SealedTable, id: string): Promise<SealedRow | null>;
  compareAndSet(table: SealedTable, id: string, expected: SealedValue, next: SealedValue): Promise<boolean>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface ResealDeps {
  readonly store: ResealStore;
  readonly vault: Vault;
  readonly clock: Clock;
  readonly batchSize: number;
}

/** Rows of one table, under one key id, that failed to open for one reason. */
export interface UnopenableRows {
  readonly keyId: string;
  readonly reason: VaultErrorCode;
  readonly count: number;
  /** The first few, for finding them; ids are not secret. */
  readonly rowIds: string[];
}

export interface TableResealReport {
  readonly resealed: number;
  /** Compare-and-set misses: another writer changed the row between read and write. */
  readonly changedConcurrently: number;
  readonly unopenable: UnopenableRows[];
  /** Ciphertexts still under a key other than the active one when the table was done. */
  readonly remaining: Record<string, number>;
}

export interface ResealReport {
  readonly activeKeyId: string;
  readonly tables: Record<SealedTable, TableResealReport>;
}

export interface ResealPlan {
  readonly activeKeyId: string;
  /** Ciphertexts per table and key id, the active key's included. */
  readonly byKeyId: Record<SealedTable, Record<string, number>>;
  /** Those under another key: what a run would reseal. */
  readonly remaining: Record<SealedTable, Record<string, number>>;
  /** Those under a key id the keyring does not hold: a run could not open them. */
  readonly unknownKeyIds: Record<SealedTable, Record<string, number>>;
}

/** How often a row changed by someone else is read and tried again before it is left for the next run. */
const MAX_TRIES_PER_ROW = 3;
const LISTED_ROW_IDS = 20;

/** --dry-run: counts only; nothing is opened or written. */
export async function planReseal(store: ResealStore, vault: Vault): Promise<ResealPlan> {
  const { activeKeyId, keyIds } = vault.keyring;
  const byKeyId = {} as Record<SealedTable, Record<string, number>>;
  const remaining = {} as Record<SealedTable, Record<string, number>>;
  const unknownKeyIds = {} as Record<SealedTable, Record<string, number>>;
  for (const table of SEALED_TABLES) {
    const counts = await store.countByKeyId(table);
    byKeyId[table] = counts;
    remaining[table] = pick(counts, (keyId) => keyId !== activeKeyId);
    unknownKeyIds[table] = pick(counts, (keyId) => !keyIds.includes(keyId));
  }
  return { activeKeyId, byKeyId, remaining, unknownKeyIds };
}

export async function resealAll(deps: ResealDeps): Promise<ResealReport> {
  const tables = {} as Record<SealedTable, TableResealReport>;
  for (const table of SEALED_TABLES) tables[table] = await resealTable(deps, table);
  return { activeKeyId: deps.vault.keyring.activeKeyId, tables };
}

type RowOutcome =
  | { readonly kind: 'resealed'; readonly fromKeyId: string; readonly misses: number }
  | { readonly kind: 'left'; readonly misses: number }
  | { readonly kind: 'unopenable'; readonly keyId: string; readonly reason: VaultErrorCode };

async function resealTable(deps: ResealDeps, table: SealedTable): Promise<TableResealReport> {
  const { store, vault, batchSize } = deps;
  const activeKeyId = vault.keyring.activeKeyId;
  let resealed = 0;
  let changedConcurrently = 0;
  const unopenable = new Map<
    string,
    { keyId: string; reason: VaultErrorCode; count: number; rowIds: string[] }
  >();
  let afterId: string | null = null;
  for (;;) {
    const page = await store.readPage(table, { activeKeyId, afterId, limit: batchSize });
    const last = page.at(-1);
    if (last === undefined) break;
    const batch = { resealed: [] as string[], fromKeyIds: {} as Record<string, number>, misses: 0 };
    const failed: { keyId: string; reason: VaultErrorCode; id: string }[] = [];
    for (const row of page) {
      const outcome = await resealRow(deps, table, row);
      if (outcome.kind === 'unopenable') {
        failed.push({ keyId: outcome.keyId, reason: outcome.reason, id: row.id });
        continue;
      }
      batch.misses += outcome.misses;
      if (outcome.kind === 'resealed') {
        batch.resealed.push(row.id);
        batch.fromKeyIds[outcome.fromKeyId] = (batch.fromKeyIds[outcome.fromKeyId] ?? 0) + 1;
      }
    }
    resealed += batch.resealed.length;
    changedConcurrently += batch.misses;
    for (const f of failed) {
      const key = `${f.keyId}\u0000${f.reason}`;
      const group = unopenable.get(key) ?? { keyId: f.keyId, reason: f.reason, count: 0, rowIds: [] };
      group.count += 1;
      if (group.rowIds.length < LISTED_ROW_IDS) group.rowIds.push(f.id);
      unopenable.set(key, group);
    }
    await store.audit({
      actor: systemActor('cli'),
      merchantId: null,
      entityType: 'vault_ciphertexts',
      entityId: table,
      action: 'vault.resealed',
      // Ids and counts only: never a ciphertext or what it holds.
      after: {
        table,
        active_key_id: activeKeyId,
        first_row_id: page[0]?.id ?? last.id,
        last_row_id: last.id,
        resealed: batch.resealed.length,
        from_key_ids: batch.fromKeyIds,
        resealed_row_ids: batch.resealed,
        changed_concurrently: batch.misses,
        unopenable: failed.map((f) => ({ row_id: f.id, key_id: f.keyId, reason: f.reason })),
      },
      at: deps.clock.now(),
    });
    afterId = last.id;
  }
  const counts = await store.countByKeyId(table);
  return {
    resealed,
    changedConcurrently,
    unopenable: [...unopenable.values()],
    remaining: pick(counts, (keyId) => keyId !== activeKeyId),
  };
}

async function resealRow(deps: ResealDeps, table: SealedTable, first: SealedRow): Promise<RowOutcome> {
  const { kind, purpose } = SEALED_SECRETS[table];
  const activeKeyId = deps.vault.keyring.activeKeyId;
  let row = first;
  let misses = 0;
  for (let tries = 1; ; tries++) {
    let next: SealedValue;
    try {
      next = deps.vault.reseal(kind, row, { purpose, rowId: row.id });
    } catch (error) {
      if (error instanceof VaultError) return { kind: 'unopenable', keyId: row.keyId, reason: error.code };
      throw error;
    }
    if (await deps.store.compareAndSet(table, row.id, row, next)) {
      return { kind: 'resealed', fromKeyId: row.keyId, misses };
    }
    misses += 1;
    // Someone else wrote the row: read what they wrote. Gone, cleared or already under the
    // active key: nothing left to do. Still under an old key: reseal their value instead.
    const now = await deps.store.readRow(table, row.id);
    if (now === null || now.keyId === activeKeyId) return { kind: 'left', misses };
    if (tries >= MAX_TRIES_PER_ROW) return { kind: 'left', misses };
    row = now;
  }
}

function pick(counts: Record<string, number>, keep: (keyId: string) => boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([keyId, n]) => n > 0 && keep(keyId)));
}
