// A worker process for delivery.test.ts: sends one delivery, then exits. The test kills it with
// SIGKILL while its request is in flight (mid-send), which no in-process fake can do.
import { pino } from 'pino';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { Keyring } from '../vault/keyring.js';
import { Vault } from '../vault/vault.js';
import { deliverWebhook, DEFAULT_DELIVERY_POLICY } from './deliver.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const db = createPrismaClient({ databaseUrl: env('DATABASE_URL') });
const vault = new Vault(
  new Keyring({
    encryptionKeys: [{ id: 'k1', key: Buffer.from(env('TEST_VAULT_KEY'), 'base64') }],
    fingerprintKey: { id: 'fp1', key: Buffer.alloc(32, 1) },
  }),
);
const verdict = await deliverWebhook(
  { db, vault, log: pino({ level: 'silent' }), nowMs: () => Date.now(), policy: DEFAULT_DELIVERY_POLICY },
  env('DELIVERY_ID'),
);
process.stdout.write(`${verdict}\n`);
await disconnect(db);
