// The notification envelope of CONTRACT.md §10.2, serialized once so that every attempt and every
// duplicate carries (and is signed over) exactly the same bytes.
import { randomUUID } from 'node:crypto';

export interface EnvelopeInput {
  eventId: string;
  eventType: string;
  occurredAt: number;
  subjectAccountId: string;
  recipientAccountId: string;
  webhookId: string;
  payload: object;
}

export const newEventId = (): string => randomUUID();

/** RFC 3339 in UTC; milliseconds are kept so receivers can order events that share a second. */
export const rfc3339 = (epochMs: number): string => new Date(epochMs).toISOString();

/** `krn:partner:global:account:product:payment:<id>` for the account whose event this is. */
export function productInstanceId(accountId: string): string {
  const local = accountId.split(':').at(-1) ?? accountId;
  return `krn:partner:global:account:product:payment:${local}`;
}

export function serializeEnvelope(input: EnvelopeInput): Buffer {
  const envelope = {
    metadata: {
      event_type: input.eventType,
      event_id: input.eventId,
      event_version: 'v2',
      occurred_at: rfc3339(input.occurredAt),
      subject_account_id: input.subjectAccountId,
      recipient_account_id: input.recipientAccountId,
      product_instance_id: productInstanceId(input.subjectAccountId),
      webhook_id: input.webhookId,
      live: false,
    },
    payload: input.payload,
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}
