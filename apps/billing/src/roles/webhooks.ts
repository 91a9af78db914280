// Composition root of the webhooks role: Klarna's notifications in, stored, applied.
import { isoDurationMs, parseConfig, webhooksConfigSchema, apiConfigSchema } from '../config/config.js';
import { buildWebhooksApp, KLARNA_WEBHOOK_PATH } from '../webhooks/app.js';
import { applyReceivedEvent } from '../webhooks/apply-event.js';
import { MerchantDirectory } from '../webhooks/merchant-directory.js';
import { ensureWebhookRegistration } from '../webhooks/registration.js';
import { SigningKeyRing } from '../webhooks/signing-key-ring.js';
import { systemClock } from '../domain/index.js';
import { createProcessDeps, readiness, signupDeps } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startWebhooksRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(webhooksConfigSchema, env);
  const expiry = parseConfig(
    apiConfigSchema.pick({ SIGNUP_INTERACTION_EXPIRY: true }),
    env,
  ).SIGNUP_INTERACTION_EXPIRY;
  const deps = await createProcessDeps('webhooks', config, env);
  const signups = signupDeps(deps, { iso: expiry, ms: isoDurationMs(expiry) });
  const keys = new SigningKeyRing(deps.db, deps.vault, systemClock);
  const app = buildWebhooksApp({
    db: deps.db,
    clock: deps.clock,
    vault: deps.vault,
    keys,
    merchants: new MerchantDirectory(deps.db),
    log: deps.log,
    apply: (received) => applyReceivedEvent(signups, received),
    ready: () => readiness(deps),
  });
  await app.listen({ host: config.WEBHOOKS_HOST, port: config.WEBHOOKS_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.WEBHOOKS_PORT;
  const url = `http://${config.WEBHOOKS_HOST}:${port}`;
  const publicUrl = config.WEBHOOKS_PUBLIC_URL ?? `${url}${KLARNA_WEBHOOK_PATH}`;
  if (config.WEBHOOKS_REGISTER_ON_START) {
    const registered = await ensureWebhookRegistration(
      { db: deps.db, clock: deps.clock, vault: deps.vault, notifications: deps.notifications },
      publicUrl,
    );
    if (registered.kind === 'registered') {
      deps.log.info({ webhookId: registered.webhookId, url: publicUrl }, 'webhook registered with Klarna');
    } else {
      // Not fatal: events cannot arrive until it is registered, and a restart or
      // `rebill klarna register-webhook` tries again.
      deps.log.error(
        { step: registered.step, outcome: registered.outcome },
        'webhook registration with Klarna failed',
      );
    }
    await keys.reload();
  }
  deps.log.info({ url, webhookUrl: publicUrl }, 'listening');
  return {
    name: 'webhooks',
    url,
    async stop() {
      await app.close();
      await deps.close();
    },
  };
}
