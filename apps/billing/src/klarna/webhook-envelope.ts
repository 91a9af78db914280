// A Klarna notification (CONTRACT.md §10.2-§10.4) read into Rebill's terms: the metadata, the
// Payment Request for `payment.request.*` events, the issued tokens as Secrets, and the payload
// with every raw secret sealed, which is the only form of it that may be stored.
// Call it after `verifyKlarnaSignature` succeeded on the same bytes.
import { z } from 'zod';
import { reveal } from '../secrets/reveal.js';
import type { CustomerTokenSecret, NetworkSessionTokenSecret } from '../secrets/secret.js';
import {
  fieldUnder,
  issuedSecretsOf,
  parsePaymentRequest,
  type PaymentRequestView,
} from './payment-request-view.js';
import { sealSecrets } from './seal-secrets.js';
import { optionalText } from './wire-fields.js';

export const PAYMENT_REQUEST_EVENT_PREFIX = 'payment.request.';

export interface KlarnaWebhookSecrets {
  readonly customerToken?: CustomerTokenSecret;
  readonly networkSessionToken?: NetworkSessionTokenSecret;
}

export interface KlarnaWebhookEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly eventVersion: string | null;
  readonly occurredAt: Date;
  /** The partner (merchant) account the event is about. */
  readonly subjectAccountId: string | null;
  /** The acquiring partner's account. */
  readonly recipientAccountId: string | null;
  readonly productInstanceId: string | null;
  readonly webhookId: string | null;
  readonly live: boolean | null;
  /** For `payment.request.*` events whose payload reads as a Payment Request; else null. */
  readonly paymentRequest: PaymentRequestView | null;
  /** Why a `payment.request.*` payload did not read (a field path), else null. */
  readonly payloadProblem: string | null;
  /** The payload with every raw secret replaced by "[sealed]": what may be stored. */
  readonly storablePayload: unknown;
  readonly secrets: KlarnaWebhookSecrets;
}

export interface KlarnaWebhookProblem {
  readonly code: 'INVALID_JSON' | 'INVALID_ENVELOPE';
  /** The envelope field at fault, e.g. `metadata.event_id`. */
  readonly field: string | null;
  readonly message: string;
}

export type KlarnaWebhookParse =
  | { readonly ok: true; readonly event: KlarnaWebhookEvent }
  | { readonly ok: false; readonly problem: KlarnaWebhookProblem };

const metadataSchema = z.object({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  occurred_at: z.string().refine((value) => Number.isFinite(Date.parse(value))),
  event_version: optionalText,
  subject_account_id: optionalText,
  recipient_account_id: optionalText,
  product_instance_id: optionalText,
  webhook_id: optionalText,
  live: z.boolean().optional().catch(undefined),
});

const envelopeSchema = z.object({ metadata: z.record(z.string(), z.unknown()), payload: z.unknown() });

export function parseKlarnaWebhook(rawBody: Buffer): KlarnaWebhookParse {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return problem('INVALID_JSON', null, 'the body is not JSON');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return problem('INVALID_ENVELOPE', 'metadata', 'the body has no metadata object');
  const metadata = metadataSchema.safeParse(envelope.data.metadata);
  if (!metadata.success) {
    const field = metadata.error.issues[0]?.path.map(String).join('.') ?? '';
    return problem(
      'INVALID_ENVELOPE',
      fieldUnder('metadata', field),
      'a required metadata field is missing or invalid',
    );
  }
  const meta = metadata.data;
  const payload = envelope.data.payload ?? null;

  let paymentRequest: PaymentRequestView | null = null;
  let payloadProblem: string | null = null;
  let secrets: KlarnaWebhookSecrets;
  if (meta.event_type.startsWith(PAYMENT_REQUEST_EVENT_PREFIX)) {
    const parsed = parsePaymentRequest(payload);
    if (parsed.ok) paymentRequest = parsed.view;
    else payloadProblem = fieldUnder('payload', parsed.field);
  }
  if (paymentRequest !== null) {
    secrets = {
      ...(paymentRequest.customerToken === undefined ? {} : { customerToken: paymentRequest.customerToken }),
      ...(paymentRequest.networkSessionToken === undefined
        ? {}
        : { networkSessionToken: paymentRequest.networkSessionToken }),
    };
  } else {
    secrets = issuedSecretsOf(payload);
  }

  const knownRaw = [secrets.customerToken, secrets.networkSessionToken].flatMap((s) =>
    s === undefined ? [] : [reveal(s)],
  );
  return {
    ok: true,
    event: {
      eventId: meta.event_id,
      eventType: meta.event_type,
      eventVersion: meta.event_version ?? null,
      occurredAt: new Date(Date.parse(meta.occurred_at)),
      subjectAccountId: meta.subject_account_id ?? null,
      recipientAccountId: meta.recipient_account_id ?? null,
      productInstanceId: meta.product_instance_id ?? null,
      webhookId: meta.webhook_id ?? null,
      live: meta.live ?? null,
      paymentRequest,
      payloadProblem,
      storablePayload: sealSecrets(payload, knownRaw),
      secrets,
    },
  };
}

function problem(
  code: KlarnaWebhookProblem['code'],
  field: string | null,
  message: string,
): { ok: false; problem: KlarnaWebhookProblem } {
  return { ok: false, problem: { code, field, message: field === null ? message : `${field}: ${message}` } };
}
