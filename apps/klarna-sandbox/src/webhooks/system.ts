// One notification registry and one dispatcher per sandbox, shared by the notification routes
// (which register webhooks and simulate events) and the webhook routes (deliveries and faults).
// Keyed by the sandbox's event bus, which app.ts creates once per sandbox. POST /__sim/reset
// (the `sandbox.reset` event) forgets keys, webhooks, deliveries and faults.
import type { SandboxDeps } from '../deps.js';
import type { SandboxEvents } from '../events.js';
import { NotificationRegistry } from '../notifications/registry.js';
import { WebhookDispatcher } from './dispatcher.js';

export interface WebhookSystem {
  registry: NotificationRegistry;
  dispatcher: WebhookDispatcher;
  /** Unsubscribes, cancels timers and aborts in-flight deliveries; safe to call twice. */
  close(): Promise<void>;
}

const systems = new WeakMap<SandboxEvents, WebhookSystem>();

export function webhookSystemFor(deps: SandboxDeps): WebhookSystem {
  const existing = systems.get(deps.events);
  if (existing) return existing;
  const registry = new NotificationRegistry(() => deps.clock.now());
  const dispatcher = new WebhookDispatcher({
    clock: deps.clock,
    registry,
    acquirerAccountId: deps.acquirerAccountId,
    log: deps.log,
  });
  const listener = dispatcher.onStateChanged.bind(dispatcher);
  const onReset = (): void => {
    dispatcher.reset();
    registry.clear();
  };
  deps.events.on('payment_request.state_changed', listener);
  deps.events.on('payment_transaction.changed', listener);
  deps.events.on('sandbox.reset', onReset);
  const system: WebhookSystem = {
    registry,
    dispatcher,
    close: async () => {
      deps.events.off('payment_request.state_changed', listener);
      deps.events.off('payment_transaction.changed', listener);
      deps.events.off('sandbox.reset', onReset);
      await dispatcher.close();
    },
  };
  systems.set(deps.events, system);
  return system;
}
