// `rebill vault reseal [--dry-run] [--batch-size <n>]`: re-encrypts every stored ciphertext under
// the active vault key (VAULT_ACTIVE_KEY_ID, by default the last of VAULT_KEYS) and prints a JSON
// summary on stdout. Exit codes: 0 nothing is left under an old key; 1 rows are left (they could
// not be opened, or were written under an old key while it ran: stderr says which); 2 bad usage.
// With --dry-run it only counts ciphertexts per table and key id, and exits 1 when some are under
// a key id VAULT_KEYS does not hold (a run could not open them).
import { parseArgs } from 'node:util';
import type { Clock } from '../domain/index.js';
import { SEALED_TABLES, type SealedTable } from '../store/sealed-columns.js';
import { planReseal, resealAll, type ResealReport, type ResealStore } from '../vault/reseal.js';
import type { Vault } from '../vault/vault.js';

export interface VaultResealDeps {
  readonly store: ResealStore;
  readonly vault: Vault;
  readonly clock: Clock;
  readonly stdout: (text: string) => unknown;
  readonly stderr: (text: string) => unknown;
}

export const VAULT_RESEAL_USAGE = `Usage: rebill vault reseal [--dry-run] [--batch-size <n>]

Re-encrypts every ciphertext (customer tokens, signing keys, webhook secrets, session tokens)
under the active vault key, so older keys can be removed from VAULT_KEYS. Safe to run while
Rebill runs, and again after a crash. Prints a JSON summary.

  --dry-run         count ciphertexts per table and key id; change nothing
  --batch-size <n>  rows read per page and audited together (1 to 10000, default 100)
`;

const DEFAULT_BATCH_SIZE = 100;
const MAX_BATCH_SIZE = 10_000;

type Parsed =
  | { kind: 'ok'; dryRun: boolean; batchSize: number }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

export function parseVaultResealArgs(argv: readonly string[]): Parsed {
  let values: { 'dry-run'?: boolean; 'batch-size'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage_error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const batchText = values['batch-size'];
  let batchSize = DEFAULT_BATCH_SIZE;
  if (batchText !== undefined) batchSize = /^\d{1,5}$/.test(batchText) ? Number(batchText) : Number.NaN;
  if (!(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE)) {
    return {
      kind: 'usage_error',
      message: `--batch-size must be a whole number from 1 to ${MAX_BATCH_SIZE}, not "${batchText ?? ''}"`,
    };
  }
  return { kind: 'ok', dryRun: values['dry-run'] === true, batchSize };
}

export async function runVaultReseal(argv: readonly string[], deps: VaultResealDeps): Promise<number> {
  const parsed = parseVaultResealArgs(argv);
  if (parsed.kind === 'help') {
    deps.stdout(VAULT_RESEAL_USAGE);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    deps.stderr(`rebill vault reseal: ${parsed.message}\n\n${VAULT_RESEAL_USAGE}`);
    return 2;
  }
  const zeros = Object.fromEntries(SEALED_TABLES.map((t) => [t, 0])) as Record<SealedTable, number>;

  if (parsed.dryRun) {
    const plan = await planReseal(deps.store, deps.vault);
    print(deps, {
      dryRun: true,
      activeKeyId: plan.activeKeyId,
      resealed: zeros,
      byKeyId: plan.byKeyId,
      remaining: plan.remaining,
      unknownKeyIds: plan.unknownKeyIds,
    });
    const unknown = describeUnknownKeys(plan.unknownKeyIds);
    for (const line of unknown) deps.stderr(`rebill vault reseal: ${line}\n`);
    return unknown.length === 0 ? 0 : 1;
  }

  const report = await resealAll({
    store: deps.store,
    vault: deps.vault,
    clock: deps.clock,
    batchSize: parsed.batchSize,
  });
  print(deps, summary(report));
  const problems = describeProblems(report);
  for (const line of problems) deps.stderr(`rebill vault reseal: ${line}\n`);
  return problems.length === 0 ? 0 : 1;
}

function summary(report: ResealReport): Record<string, unknown> {
  const per = <T>(f: (table: SealedTable) => T) =>
    Object.fromEntries(SEALED_TABLES.map((table) => [table, f(table)]));
  return {
    dryRun: false,
    activeKeyId: report.activeKeyId,
    resealed: per((t) => report.tables[t].resealed),
    changedConcurrently: per((t) => report.tables[t].changedConcurrently),
    unopenable: per((t) => report.tables[t].unopenable),
    remaining: per((t) => report.tables[t].remaining),
  };
}

/** One line per reason something is left under an old key; empty when nothing is. */
function describeProblems(report: ResealReport): string[] {
  const lines: string[] = [];
  for (const table of SEALED_TABLES) {
    const { unopenable, remaining } = report.tables[table];
    let explained = 0;
    for (const group of unopenable) {
      explained += group.count;
      const rows = `${group.count} ${table} ${group.count === 1 ? 'row' : 'rows'} under key id "${group.keyId}"`;
      if (group.reason === 'UNKNOWN_KEY') {
        lines.push(`${rows} could not be opened: VAULT_KEYS holds no key "${group.keyId}" (add it back)`);
      } else {
        const why = group.reason === 'TAMPERED' ? 'failed authentication' : 'are not vault ciphertexts';
        lines.push(`${rows} ${why} (${group.reason}), left as they are: ${group.rowIds.join(', ')}`);
      }
    }
    const left = Object.values(remaining).reduce((a, b) => a + b, 0) - explained;
    if (left > 0) {
      lines.push(
        `${left} ${table} ${left === 1 ? 'row is' : 'rows are'} still under an old key, written while this ran ` +
          '(does every process run with the new active key?): run it again',
      );
    }
  }
  return lines;
}

function describeUnknownKeys(unknown: Record<SealedTable, Record<string, number>>): string[] {
  return SEALED_TABLES.flatMap((table) =>
    Object.entries(unknown[table]).map(
      ([keyId, n]) =>
        `${n} ${table} ${n === 1 ? 'row is' : 'rows are'} under key id "${keyId}", which VAULT_KEYS does not hold`,
    ),
  );
}

function print(deps: VaultResealDeps, value: unknown): void {
  deps.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
