// The command table of `rebill`. Roles run until SIGTERM or SIGINT, then stop cleanly (finish
// in-flight work, close connections) and exit 0; a second signal exits at once.
import { ConfigError } from '../config/config.js';
import { startApiRole } from '../roles/api.js';
import { startSchedulerRole } from '../roles/scheduler.js';
import { startWebhooksRole } from '../roles/webhooks.js';
import { startWorkerRole } from '../roles/worker.js';
import type { RunningRole } from '../roles/running-role.js';
import { baseConfigSchema, parseConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { bullPrefix } from '../queue/catalog.js';
import { clockOperations } from '../roles/process-deps.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { runClockCommand } from './clock.js';
import { runKlarnaCommand } from './klarna.js';
import { runMerchantCommand } from './merchant.js';
import { runOperatorCli } from './operator.js';
import { runReconcileCommand } from './reconcile.js';
import { runVaultCommand } from './vault.js';

const ROLES: Record<string, (env: NodeJS.ProcessEnv) => Promise<RunningRole>> = {
  api: startApiRole,
  webhooks: startWebhooksRole,
  worker: startWorkerRole,
  scheduler: startSchedulerRole,
};

const USAGE = `usage: rebill <command>
  api | webhooks | worker | scheduler        start a role (stops cleanly on SIGTERM/SIGINT)
  merchant create --name <n> --klarna-account <krn> [--time-zone <IANA zone>]
  operator create --email <e> --role admin|viewer [--password-stdin]
                                             a dashboard operator (password from stdin or a prompt)
  operator disable --email <e>               the operator can no longer sign in
  clock show | clock advance <duration>      the shared virtual clock (CLOCK_MODE=virtual)
  klarna register-webhook                    register Rebill's webhook and signing key (idempotent)
  klarna rotate-signing-key                  new signing key for Rebill's webhook; the old one stays active
  klarna retire-signing-key <signing key id> stop accepting an old signing key (deleted at Klarna if unused)
  vault reseal [--dry-run] [--batch-size n]  re-encrypt every stored secret under the active vault key
  reconcile [--merchant <id>] [--since <ISO date>]
                                             compare every charge with Klarna's transaction; exit 1 on a difference`;

export async function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && command in ROLES) {
      const start = ROLES[command];
      if (start === undefined) return 2;
      return await runRole(await start(env));
    }
    switch (command ?? '') {
      case 'merchant':
        return await runMerchantCommand(rest, env);
      case 'operator':
        return await runOperatorCli(rest, env);
      case 'clock':
        return await runClock(rest, env);
      case 'klarna':
        return await runKlarnaCommand(rest, env);
      case 'vault':
        return await runVaultCommand(rest, env);
      case 'reconcile':
        return await runReconcileCommand(rest, env);
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rebill: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** `rebill clock ...`: the clock's operations over this process's own database connection. */
async function runClock(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseConfig(baseConfigSchema, env);
  const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'cli' });
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  const clock = clockOperations({ config, db, log, prefix: bullPrefix(config.REDIS_PREFIX) });
  try {
    return await runClockCommand(argv, {
      ops: clock.ops,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  } finally {
    await clock.close();
    await disconnect(db);
  }
}

function runRole(role: RunningRole): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`rebill ${role.name}: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      role.stop().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`rebill ${role.name}: stop failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
