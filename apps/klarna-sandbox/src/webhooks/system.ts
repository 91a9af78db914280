// One notification registry and one dispatcher per sandbox, built by the composition root (app.ts)
// and shared by the notification routes (which register webhooks and simulate events) and the
// webhook routes (deliveries and faults). It listens to the sandbox's events: state changes become
// deliveries, and POST /__sim/reset (the `sandbox.reset` event) forgets keys, webhooks, deliveries
// and faults.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock } from '../clock.js';
import type { SandboxEvents } from '../events.js';
import { NotificationRegistry } from '../notifications/registry.js';
import { WebhookDispatcher } from './dispatcher.js';

export interface WebhookSystem {
  registry: NotificationRegistry;
  dispatcher: WebhookDispatcher;
  /** Unsubscribes, cancels timers and aborts in-flight deliveries; safe to call twice. */
  close(): Promise<void>;
}

export interface WebhookSystemDeps {
  clock: SimClock;
  events: SandboxEvents;
  acquirerAccountId: string;
  log: FastifyBaseLogger;
}

export function createWebhookSystem(deps: WebhookSystemDeps): WebhookSystem {
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
  return {
    registry,
    dispatcher,
    close: async () => {
      deps.events.off('payment_request.state_changed', listener);
      deps.events.off('payment_transaction.changed', listener);
      deps.events.off('sandbox.reset', onReset);
      await dispatcher.close();
    },
  };
}
