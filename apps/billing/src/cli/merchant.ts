// `rebill merchant create ...` with this process's own database connection and clock.
import { baseConfigSchema, parseConfig } from '../config/config.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { cliClock } from './cli-clock.js';
import { MERCHANT_CREATE_USAGE, runMerchantCreate } from './merchant-create.js';

export async function runMerchantCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') {
    process.stderr.write(MERCHANT_CREATE_USAGE);
    return 2;
  }
  const config = parseConfig(baseConfigSchema, env);
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  try {
    return await runMerchantCreate(rest, {
      db,
      clock: await cliClock(config.CLOCK_MODE, db),
      stdout: process.stdout,
      stderr: process.stderr,
    });
  } finally {
    await disconnect(db);
  }
}
