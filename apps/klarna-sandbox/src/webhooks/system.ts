// One notification registry and one dispatcher per sandbox, shared by the notification routes
// (which register webhooks and simulate events) and the webhook routes (deliveries and faults).
// Keyed by the sandbox's event bus, which app.ts creates once per sandbox.
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
  deps.events.on('payment_request.state_changed', listener);
  const system: WebhookSystem = {
    registry,
    dispatcher,
    close: async () => {
      deps.events.off('payment_request.state_changed', listener);
      await dispatcher.close();
    },
  };
  systems.set(deps.events, system);
  return system;
}
