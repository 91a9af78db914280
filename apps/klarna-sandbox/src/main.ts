// `npm run sandbox`: start the Klarna sandbox with env configuration and tell the user how to use it.
import { buildSandbox } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const sandbox = await buildSandbox(config);
  const baseUrl = await sandbox.listen();
  const publicUrl = sandbox.deps.publicBaseUrl();
  const account = config.acquirerAccountId;

  process.stdout.write(
    [
      `Klarna sandbox listening on ${baseUrl} (public base URL ${publicUrl})`,
      `  API key            ${config.apiKey}   (send as: Authorization: Basic ${config.apiKey})`,
      `  Acquirer account   ${account}`,
      `  Authorize          POST ${publicUrl}/v2/accounts/${account}/payment/authorize`,
      `  Ledger file        ${config.ledgerFile ?? '(none: in memory only)'}`,
      `  Webhook signing    1) POST ${publicUrl}/v2/notification/signing-keys  -> signing_key_id, signing_key`,
      `                     2) POST ${publicUrl}/v2/notification/webhooks {"url":"http://127.0.0.1:3000/klarna","event_types":["payment.request.*"],`,
      `                        "event_version":"v2","signing_key_id":"<id>","status":"ENABLED"}`,
      `                     Deliveries carry Klarna-Signature = hex HMAC-SHA256(raw body, signing_key) and Klarna-Signing-Key-Id.`,
      `  Test controls      ${publicUrl}/__sim/... (see apps/klarna-sandbox/README.md)`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    sandbox.app.log.info({ signal }, 'shutting down');
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        sandbox.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String(err instanceof Error ? err.stack : err)}\n`,
  );
  process.exit(1);
});
