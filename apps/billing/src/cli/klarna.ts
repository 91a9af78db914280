// `rebill klarna register-webhook`: registers Rebill's webhook URL and a signing key with Klarna
// (idempotent; the webhooks role does the same at start). Prints the registration as JSON.
import { parseConfig, webhooksConfigSchema } from '../config/config.js';
import { createProcessDeps } from '../roles/process-deps.js';
import { KLARNA_WEBHOOK_PATH } from '../webhooks/app.js';
import { ensureWebhookRegistration } from '../webhooks/registration.js';

export async function runKlarnaCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] !== 'register-webhook' || argv.length > 1) {
    process.stderr.write('usage: rebill klarna register-webhook\n');
    return 2;
  }
  const config = parseConfig(webhooksConfigSchema, env);
  const url =
    config.WEBHOOKS_PUBLIC_URL ??
    `http://${config.WEBHOOKS_HOST}:${config.WEBHOOKS_PORT}${KLARNA_WEBHOOK_PATH}`;
  const deps = await createProcessDeps('webhooks', config, env);
  try {
    const result = await ensureWebhookRegistration(
      { db: deps.db, clock: deps.clock, vault: deps.vault, notifications: deps.notifications },
      url,
    );
    process.stdout.write(`${JSON.stringify({ url, ...result })}\n`);
    return result.kind === 'registered' ? 0 : 1;
  } finally {
    await deps.close();
  }
}
