// `rebill operator ...` with this process's own database connection and clock.
import { baseConfigSchema, parseConfig } from '../config/config.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { cliClock } from './cli-clock.js';
import { runOperatorCommand } from './operator-commands.js';
import { PasswordInputError, readPassword } from './read-password.js';

export async function runOperatorCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseConfig(baseConfigSchema, env);
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  try {
    return await runOperatorCommand(argv, {
      db,
      clock: await cliClock(config.CLOCK_MODE, db),
      readPassword,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  } catch (error) {
    if (!(error instanceof PasswordInputError)) throw error;
    process.stderr.write(`rebill operator: ${error.message}\n`);
    return 2;
  } finally {
    await disconnect(db);
  }
}
