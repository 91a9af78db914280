// The partner's signing keys and webhook registrations (CONTRACT.md §4, §10.5), in memory.
// One registry per sandbox: the single API key is the acquiring partner, whose webhooks receive
// the events of every account it acts for.
import { randomBytes, randomUUID } from 'node:crypto';
import { conflict, notFound, type SandboxError } from '../errors.js';
import { validationFailed } from '../http/validation.js';
import { isValidEventTypePattern, subscribedTo } from './event-types.js';
import type { CreateWebhookBody } from './schemas.js';
import { webhookUrlProblem } from './webhook-url.js';

/** CONTRACT.md §10.5: at most 50 signing keys per account. */
export const MAX_SIGNING_KEYS = 50;

export interface SigningKey {
  id: string;
  secret: string;
  createdAt: number;
}

export type WebhookStatus = 'ENABLED' | 'DISABLED';

export interface Webhook {
  id: string;
  url: string;
  eventTypes: readonly string[];
  eventVersion: 'v2';
  signingKeyId: string;
  status: WebhookStatus;
  createdAt: number;
}

const missing = (what: string, id: string): SandboxError => notFound(`${what} ${id} does not exist`);

/** Two registrations are "the same config" when URL, event types (as a set) and version agree. */
const configKey = (url: string, eventTypes: readonly string[], version: string): string =>
  JSON.stringify([url, [...new Set(eventTypes)].sort(), version]);

export class NotificationRegistry {
  private readonly keys = new Map<string, SigningKey>();
  private readonly webhooks = new Map<string, Webhook>();

  constructor(private readonly now: () => number) {}

  createSigningKey(): SigningKey {
    if (this.keys.size >= MAX_SIGNING_KEYS) {
      throw conflict(`An account may hold at most ${MAX_SIGNING_KEYS} signing keys; delete one first`);
    }
    const key: SigningKey = {
      id: `krn:partner:global:notification:signing-key:${randomUUID()}`,
      secret: randomBytes(32).toString('base64url'),
      createdAt: this.now(),
    };
    this.keys.set(key.id, key);
    return key;
  }

  /** A key that a webhook still signs with cannot be deleted (its deliveries could not be signed). */
  deleteSigningKey(id: string): void {
    if (!this.keys.has(id)) throw missing('Signing key', id);
    const users = [...this.webhooks.values()].filter((w) => w.signingKeyId === id).map((w) => w.id);
    if (users.length > 0) {
      throw conflict(`Signing key ${id} is used by webhook(s) ${users.join(', ')}`);
    }
    this.keys.delete(id);
  }

  signingKey(id: string): SigningKey | undefined {
    return this.keys.get(id);
  }

  requireSigningKey(id: string): SigningKey {
    const key = this.keys.get(id);
    if (!key) throw missing('Signing key', id);
    return key;
  }

  listSigningKeys(): SigningKey[] {
    return [...this.keys.values()];
  }

  createWebhook(input: CreateWebhookBody): Webhook {
    const problems: { parameter: string; reason: string }[] = [];
    const urlProblem = webhookUrlProblem(input.url);
    if (urlProblem) problems.push({ parameter: 'url', reason: urlProblem });
    input.event_types.forEach((pattern, i) => {
      if (!isValidEventTypePattern(pattern)) {
        problems.push({ parameter: `event_types[${i}]`, reason: `unknown event type ${pattern}` });
      }
    });
    if (!this.keys.has(input.signing_key_id)) {
      problems.push({
        parameter: 'signing_key_id',
        reason: `signing key ${input.signing_key_id} does not exist`,
      });
    }
    if (problems.length > 0) throw validationFailed(problems);

    const key = configKey(input.url, input.event_types, input.event_version);
    const twin = [...this.webhooks.values()].find(
      (w) => configKey(w.url, w.eventTypes, w.eventVersion) === key,
    );
    if (twin) {
      throw conflict(`Webhook ${twin.id} already has this configuration`);
    }
    const webhook: Webhook = {
      id: `krn:partner:global:notification:webhook:${randomUUID()}`,
      url: input.url,
      eventTypes: [...input.event_types],
      eventVersion: input.event_version,
      signingKeyId: input.signing_key_id,
      status: input.status,
      createdAt: this.now(),
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  deleteWebhook(id: string): void {
    if (!this.webhooks.delete(id)) throw missing('Webhook', id);
  }

  webhook(id: string): Webhook | undefined {
    return this.webhooks.get(id);
  }

  requireWebhook(id: string): Webhook {
    const webhook = this.webhooks.get(id);
    if (!webhook) throw missing('Webhook', id);
    return webhook;
  }

  listWebhooks(): Webhook[] {
    return [...this.webhooks.values()];
  }

  /** POST /__sim/reset: forget every key and webhook. */
  clear(): void {
    this.keys.clear();
    this.webhooks.clear();
  }

  /** ENABLED webhooks subscribed (exactly or by wildcard) to `eventType`, in registration order. */
  recipientsOf(eventType: string): Webhook[] {
    return [...this.webhooks.values()].filter(
      (w) => w.status === 'ENABLED' && subscribedTo(w.eventTypes, eventType),
    );
  }
}
