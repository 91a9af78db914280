// `rebill klarna ...` with this process's own connections: PostgreSQL, the vault keys, the Klarna
// client and the CLI clock. Logs go to stderr; stdout carries only the JSON result.
import { pino } from 'pino';
import { parseConfig, webhooksConfigSchema } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { klarnaHttpFor } from '../roles/process-deps.js';
import { KlarnaNotifications } from '../klarna/notifications.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { KLARNA_WEBHOOK_PATH } from '../webhooks/app.js';
import { cliClock } from './cli-clock.js';
import { KLARNA_USAGE, parseKlarnaArgs, runKlarnaWebhookCommand } from './klarna-webhook-commands.js';

export async function runKlarnaCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseKlarnaArgs(argv);
  if (command.kind === 'usage_error') {
    process.stderr.write(`rebill klarna: ${command.message}\n\n${KLARNA_USAGE}`);
    return 2;
  }
  const config = parseConfig(webhooksConfigSchema, env);
  const { keyring, warning } = loadVaultKeyring(env);
  const url =
    config.WEBHOOKS_PUBLIC_URL ??
    `http://${config.WEBHOOKS_HOST}:${config.WEBHOOKS_PORT}${KLARNA_WEBHOOK_PATH}`;
  const log = createLogger({
    level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    name: 'cli',
    destination: pino.destination({ fd: 2, sync: true }),
  });
  if (warning !== undefined) log.warn(warning);
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL });
  const clock = await cliClock(config.CLOCK_MODE, db);
  const http = klarnaHttpFor(config, log, clock);
  try {
    return await runKlarnaWebhookCommand(
      command,
      { db, clock, vault: new Vault(keyring), notifications: new KlarnaNotifications(http) },
      url,
      { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    );
  } finally {
    await http.close();
    await disconnect(db);
  }
}
