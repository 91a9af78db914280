// Notifications API calls (CONTRACT.md §4, §10): signing keys and webhook registrations. Just the
// calls; deciding what to register and keeping it registered belongs to the webhooks role.
// A signing key's secret is shown once, in the create answer, and becomes a Secret right there.
import { z } from 'zod';
import { Secret, type SigningKeySecret } from '../secrets/secret.js';
import { parseErrorBody } from './error-body.js';
import type { KlarnaHttp, KlarnaHttpResult } from './http.js';
import { failureOf, unreadable, type KlarnaFailure } from './outcome.js';
import { klarnaPaths } from './paths.js';
import { optionalInstant, optionalText, stringList } from './wire-fields.js';

export interface SigningKeyInfo {
  readonly signingKeyId: string;
  readonly createdAt: Date | null;
}

export interface WebhookRegistration {
  readonly webhookId: string;
  readonly url: string;
  readonly eventTypes: string[];
  readonly eventVersion: string | null;
  readonly signingKeyId: string | null;
  /** ENABLED or DISABLED, as sent. */
  readonly status: string | null;
  readonly createdAt: Date | null;
}

export interface NewWebhook {
  readonly url: string;
  /** §10.3 types or wildcards (`payment.request.*`). */
  readonly eventTypes: readonly string[];
  readonly signingKeyId: string;
}

export type CreateSigningKeyOutcome =
  | {
      readonly kind: 'created';
      readonly signingKeyId: string;
      readonly secret: SigningKeySecret;
      readonly createdAt: Date | null;
      readonly correlationId: string | null;
    }
  | KlarnaFailure;

export type ListSigningKeysOutcome =
  | {
      readonly kind: 'answered';
      readonly signingKeys: SigningKeyInfo[];
      readonly correlationId: string | null;
    }
  | KlarnaFailure;

/** `conflict`: the key is still used by a webhook (or a delete with this key is still running). */
export type DeleteOutcome =
  | { readonly kind: 'deleted'; readonly correlationId: string | null }
  | { readonly kind: 'not_found'; readonly correlationId: string | null }
  | { readonly kind: 'conflict'; readonly errorCode: string | null; readonly correlationId: string | null }
  | KlarnaFailure;

export type CreateWebhookOutcome =
  | { readonly kind: 'created'; readonly webhook: WebhookRegistration; readonly correlationId: string | null }
  /** 409: a webhook with the same url, event types and version exists already. */
  | {
      readonly kind: 'already_exists';
      readonly errorCode: string | null;
      readonly correlationId: string | null;
    }
  | KlarnaFailure;

export type ListWebhooksOutcome =
  | {
      readonly kind: 'answered';
      readonly webhooks: WebhookRegistration[];
      readonly correlationId: string | null;
    }
  | KlarnaFailure;

const createdKeySchema = z.object({
  signing_key_id: z.string().min(1),
  signing_key: z.string().min(1),
  created_at: optionalInstant,
});
const keyInfoSchema = z.object({ signing_key_id: z.string().min(1), created_at: optionalInstant });
const webhookSchema = z.object({
  webhook_id: z.string().min(1),
  url: z.string().min(1),
  event_types: stringList,
  event_version: optionalText,
  signing_key_id: optionalText,
  status: optionalText,
  created_at: optionalInstant,
});
const signingKeyList = z.object({ signing_keys: z.array(z.unknown()) });
const webhookList = z.object({ webhooks: z.array(z.unknown()) });

export class KlarnaNotifications {
  constructor(private readonly http: KlarnaHttp) {}

  async createSigningKey(idempotencyKey: string): Promise<CreateSigningKeyOutcome> {
    const result = await this.http.send({
      operation: 'create_signing_key',
      method: 'POST',
      path: klarnaPaths.signingKeys(),
      idempotencyKey,
    });
    const body = successBody(result);
    if (!body.ok) return body.outcome;
    const parsed = createdKeySchema.safeParse(body.value);
    if (!parsed.success) return unreadable(result, 'signing_key');
    return {
      kind: 'created',
      signingKeyId: parsed.data.signing_key_id,
      secret: Secret.wrap('klarna-signing-key', parsed.data.signing_key),
      createdAt: parsed.data.created_at ?? null,
      correlationId: result.correlationId,
    };
  }

  async listSigningKeys(): Promise<ListSigningKeysOutcome> {
    const result = await this.http.send({
      operation: 'list_signing_keys',
      method: 'GET',
      path: klarnaPaths.signingKeys(),
    });
    const body = successBody(result);
    if (!body.ok) return body.outcome;
    const list = signingKeyList.safeParse(body.value);
    if (!list.success) return unreadable(result, 'signing_keys');
    const signingKeys = readEach(list.data.signing_keys, keyInfoSchema).map((k) => ({
      signingKeyId: k.signing_key_id,
      createdAt: k.created_at ?? null,
    }));
    return { kind: 'answered', signingKeys, correlationId: result.correlationId };
  }

  async deleteSigningKey(signingKeyId: string, idempotencyKey: string): Promise<DeleteOutcome> {
    const result = await this.http.send({
      operation: 'delete_signing_key',
      method: 'DELETE',
      path: klarnaPaths.signingKey(signingKeyId),
      idempotencyKey,
    });
    return deleteOutcome(result);
  }

  async createWebhook(webhook: NewWebhook, idempotencyKey: string): Promise<CreateWebhookOutcome> {
    const result = await this.http.send({
      operation: 'create_webhook',
      method: 'POST',
      path: klarnaPaths.webhooks(),
      idempotencyKey,
      body: {
        url: webhook.url,
        event_types: [...webhook.eventTypes],
        event_version: 'v2',
        signing_key_id: webhook.signingKeyId,
        status: 'ENABLED',
      },
    });
    if (result.kind === 'response' && result.status === 409) {
      return { kind: 'already_exists', errorCode: errorCodeOf(result), correlationId: result.correlationId };
    }
    const body = successBody(result);
    if (!body.ok) return body.outcome;
    const parsed = webhookSchema.safeParse(body.value);
    if (!parsed.success) return unreadable(result, 'webhook_id');
    return { kind: 'created', webhook: registration(parsed.data), correlationId: result.correlationId };
  }

  async listWebhooks(): Promise<ListWebhooksOutcome> {
    const result = await this.http.send({
      operation: 'list_webhooks',
      method: 'GET',
      path: klarnaPaths.webhooks(),
    });
    const body = successBody(result);
    if (!body.ok) return body.outcome;
    const list = webhookList.safeParse(body.value);
    if (!list.success) return unreadable(result, 'webhooks');
    const webhooks = readEach(list.data.webhooks, webhookSchema).map(registration);
    return { kind: 'answered', webhooks, correlationId: result.correlationId };
  }

  async deleteWebhook(webhookId: string, idempotencyKey: string): Promise<DeleteOutcome> {
    const result = await this.http.send({
      operation: 'delete_webhook',
      method: 'DELETE',
      path: klarnaPaths.webhook(webhookId),
      idempotencyKey,
    });
    return deleteOutcome(result);
  }
}

function registration(w: z.infer<typeof webhookSchema>): WebhookRegistration {
  return {
    webhookId: w.webhook_id,
    url: w.url,
    eventTypes: w.event_types ?? [],
    eventVersion: w.event_version ?? null,
    signingKeyId: w.signing_key_id ?? null,
    status: w.status ?? null,
    createdAt: w.created_at ?? null,
  };
}

/** Members that do not read are skipped: one odd entry must not hide the others. */
function readEach<S extends z.ZodType>(items: unknown[], schema: S): z.infer<S>[] {
  return items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

function successBody(
  result: KlarnaHttpResult,
): { ok: true; value: unknown } | { ok: false; outcome: KlarnaFailure } {
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) {
    return { ok: false, outcome: failureOf(result, 'handled_by_caller') };
  }
  if (result.body.kind !== 'json') return { ok: false, outcome: unreadable(result, 'body') };
  return { ok: true, value: result.body.value };
}

function deleteOutcome(result: KlarnaHttpResult): DeleteOutcome {
  if (result.kind === 'response') {
    const { status, correlationId } = result;
    if (status >= 200 && status < 300) return { kind: 'deleted', correlationId };
    if (status === 404) return { kind: 'not_found', correlationId };
    if (status === 409) return { kind: 'conflict', errorCode: errorCodeOf(result), correlationId };
  }
  return failureOf(result, 'handled_by_caller');
}

function errorCodeOf(result: KlarnaHttpResult & { kind: 'response' }): string | null {
  return parseErrorBody(result.body.kind === 'json' ? result.body.value : undefined).errorCode;
}
