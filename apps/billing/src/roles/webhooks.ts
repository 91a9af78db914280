// Composition root of the webhooks role: Klarna's notifications in, stored, applied.
import { isoDurationMs, parseConfig, webhooksConfigSchema, apiConfigSchema } from '../config/config.js';
import { buildWebhooksApp, KLARNA_WEBHOOK_PATH } from '../webhooks/app.js';
import { applyReceivedEvent } from '../webhooks/apply-event.js';
import { MerchantDirectory } from '../webhooks/merchant-directory.js';
import { keepWebhookRegistered, type RegistrationLoop } from '../webhooks/registration-loop.js';
import { SigningKeyRing } from '../webhooks/signing-key-ring.js';
import { systemClock } from '../domain/index.js';
import { webhookIngestMetrics } from '../ops/metrics.js';
import { metricsSource } from '../ops/metrics-source.js';
import { roleRegistry } from '../ops/registry.js';
import { createProcessDeps, readiness, signupDeps } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startWebhooksRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(webhooksConfigSchema, env);
  const expiry = parseConfig(
    apiConfigSchema.pick({ SIGNUP_INTERACTION_EXPIRY: true }),
    env,
  ).SIGNUP_INTERACTION_EXPIRY;
  const registry = roleRegistry('webhooks');
  const deps = await createProcessDeps('webhooks', config, env, registry);
  const signups = signupDeps(deps, { iso: expiry, ms: isoDurationMs(expiry) });
  const keys = new SigningKeyRing(deps.db, deps.vault, systemClock);
  let registration: RegistrationLoop | null = null;
  const app = buildWebhooksApp({
    db: deps.db,
    clock: deps.clock,
    vault: deps.vault,
    keys,
    merchants: new MerchantDirectory(deps.db),
    log: deps.log,
    apply: (received) => applyReceivedEvent(signups, received),
    observer: webhookIngestMetrics(registry),
    metrics: metricsSource(registry),
    ready: async () => {
      const ready = await readiness(deps);
      if (registration === null) return ready;
      const registered = registration.registered();
      return {
        ok: ready.ok && registered,
        checks: { ...ready.checks, klarna_webhook: registered ? 'registered' : 'pending' },
      };
    },
  });
  await app.listen({ host: config.WEBHOOKS_HOST, port: config.WEBHOOKS_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.WEBHOOKS_PORT;
  const url = `http://${config.WEBHOOKS_HOST}:${port}`;
  const publicUrl = config.WEBHOOKS_PUBLIC_URL ?? `${url}${KLARNA_WEBHOOK_PATH}`;
  if (config.WEBHOOKS_REGISTER_ON_START) {
    registration = keepWebhookRegistered(
      {
        db: deps.db,
        clock: deps.clock,
        vault: deps.vault,
        notifications: deps.notifications,
        log: deps.log,
        onRegistered: () => keys.reload(),
      },
      publicUrl,
    );
    // Serve at once; wait briefly for the first registration so a healthy start logs it first.
    await Promise.race([
      registration.firstSuccess,
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
  }
  deps.log.info({ url, webhookUrl: publicUrl }, 'listening');
  return {
    name: 'webhooks',
    url,
    async stop() {
      registration?.stop();
      await app.close();
      await deps.close();
    },
  };
}
