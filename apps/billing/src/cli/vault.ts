// `rebill vault ...` with this process's own database connection, clock and vault keys.
import { baseConfigSchema, parseConfig } from '../config/config.js';
import { audit } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import {
  compareAndSetSealed,
  countSealedByKeyId,
  readSealedPage,
  readSealedRow,
} from '../store/sealed-columns.js';
import type { ResealStore } from '../vault/reseal.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { cliClock } from './cli-clock.js';
import { runVaultReseal, VAULT_RESEAL_USAGE } from './vault-reseal.js';

export async function runVaultCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'reseal') {
    process.stderr.write(VAULT_RESEAL_USAGE);
    return 2;
  }
  const config = parseConfig(baseConfigSchema, env);
  const { keyring, warning } = loadVaultKeyring(env);
  if (warning !== undefined) process.stderr.write(`rebill vault: ${warning}\n`);
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  try {
    return await runVaultReseal(rest, {
      store: resealStore(db),
      vault: new Vault(keyring),
      clock: await cliClock(config.CLOCK_MODE, db),
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  } finally {
    await disconnect(db);
  }
}

/** The reseal's view of one database: the sealed columns and the audit trail. */
export function resealStore(db: Db): ResealStore {
  return {
    countByKeyId: (table) => countSealedByKeyId(db, table),
    readPage: (table, page) => readSealedPage(db, table, page),
    readRow: (table, id) => readSealedRow(db, table, id),
    compareAndSet: (table, id, expected, next) => compareAndSetSealed(db, table, id, expected, next),
    audit: (entry) => inTransaction(db, (tx) => audit(tx, entry)),
  };
}
