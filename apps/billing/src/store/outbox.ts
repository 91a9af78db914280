// The outbox of events for merchants' webhook endpoints. Events are derived from the audit entry
// a state change writes (store/audit.ts writes both, in the same statement or transaction), so
// every transition that is audited reports itself in one place: here. A trigger in the database
// fans each outbox row out into one pending delivery per enabled endpoint that takes its type.
//
// A payload holds ids, statuses and amounts only: never a token (the audit entries never hold one
// either, and the fields are picked from a list, not copied).
import { randomUUID } from 'node:crypto';
import { Prisma } from './generated/prisma/client.js';
import type { AuditEntry } from './audit.js';

export const OUTBOX_EVENT_TYPES = [
  'subscription.activated',
  'subscription.renewed',
  'subscription.payment_failed',
  'subscription.past_due',
  'subscription.recovered',
  'subscription.canceled',
  'subscription.paused',
  'subscription.resumed',
  'subscription.token_revoked',
  'subscription.requires_new_token',
  'subscription.token_replaced',
  'charge.captured',
  'charge.refunded',
  'invoice.uncollectible',
] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

export interface OutboxEventSpec {
  readonly type: OutboxEventType;
  readonly merchantId: string;
  readonly subscriptionId: string | null;
  readonly data: Record<string, string | number | boolean | null>;
  readonly at: Date;
}

/** The fields of an audit entry's `after` a payload may carry: ids, statuses, amounts. */
const PAYLOAD_FIELDS = [
  'status',
  'period_index',
  'attempt_number',
  'ended_reason',
  'requires_new_token',
  'first_period_paid',
  'amount',
  'currency',
  'charge_id',
  'invoice_id',
  'attempt_id',
  'reason',
] as const;

type Json = Prisma.InputJsonValue | null | undefined;

function field(value: Json, key: string): string | number | boolean | null | undefined {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null
    ? v
    : undefined;
}

/** The events an audit entry reports to merchants (most entries report none). */
export function outboxEventsOf(entry: AuditEntry): OutboxEventSpec[] {
  if (entry.merchantId === null) return [];
  const merchantId = entry.merchantId;
  const subscriptionId = entry.subscriptionId ?? null;
  const data = (extra: Record<string, string | number | boolean | null> = {}) => {
    const picked: Record<string, string | number | boolean | null> = {};
    if (subscriptionId !== null) picked.subscription_id = subscriptionId;
    for (const key of PAYLOAD_FIELDS) {
      const v = field(entry.after, key);
      if (v !== undefined) picked[key] = v;
    }
    return { ...picked, ...extra };
  };
  const event = (type: OutboxEventType, extra?: Record<string, string | number | boolean | null>) => ({
    type,
    merchantId,
    subscriptionId,
    data: data(extra),
    at: entry.at,
  });
  const before = field(entry.before, 'status');
  const after = field(entry.after, 'status');

  switch (entry.action) {
    case 'subscription.activated':
    case 'subscription.trial_started':
      return [event('subscription.activated')];
    case 'renewal.paid':
      return before === 'PAST_DUE'
        ? [event('subscription.renewed'), event('subscription.recovered')]
        : [event('subscription.renewed')];
    case 'renewal.declined':
    case 'renewal.dunning_exhausted':
      return [
        event('subscription.payment_failed'),
        ...(after === 'PAST_DUE' && before !== 'PAST_DUE' ? [event('subscription.past_due')] : []),
        ...(field(entry.after, 'requires_new_token') === true
          ? [event('subscription.requires_new_token')]
          : []),
      ];
    case 'subscription.canceled':
    case 'subscription.canceled_unpaid':
      return [event('subscription.canceled')];
    case 'subscription.paused':
      return [event('subscription.paused')];
    case 'subscription.resumed':
      return [event('subscription.resumed')];
    case 'customer_token.revoked':
      return [event('subscription.token_revoked')];
    case 'subscription.requires_new_token':
      return [event('subscription.requires_new_token')];
    case 'subscription.token_replaced':
      return [event('subscription.token_replaced', { token_id: field(entry.after, 'token_id') ?? null })];
    case 'charge.approved':
      // A capture NOW happened in the authorize call itself.
      return field(entry.after, 'captured') === true
        ? [event('charge.captured', { charge_id: entry.entityId })]
        : [];
    case 'capture.succeeded':
      return [event('charge.captured', { capture_id: entry.entityId })];
    case 'refund.succeeded':
      return [event('charge.refunded', { refund_id: entry.entityId })];
    case 'invoice.uncollectible':
      return [event('invoice.uncollectible')];
    default:
      return [];
  }
}

/**
 * One INSERT of outbox rows, as a statement of its own or a step of a larger one. `onlyIf`, a
 * condition on the larger statement's other steps, writes the rows only when it holds.
 */
export function outboxInsert(events: readonly OutboxEventSpec[], onlyIf?: Prisma.Sql): Prisma.Sql {
  const rows = events.map(
    (e) =>
      Prisma.sql`(${randomUUID()}::uuid, ${e.merchantId}::uuid, ${e.subscriptionId}::uuid, ${e.type}::text,
        ${JSON.stringify(e.data)}::jsonb, ${e.at}::timestamptz)`,
  );
  return Prisma.sql`
    INSERT INTO "OutboxEvent" (id, "merchantId", "subscriptionId", type, payload, "createdAt")
    SELECT * FROM (VALUES ${Prisma.join(rows, ', ')}) AS v
    ${onlyIf === undefined ? Prisma.empty : Prisma.sql`WHERE ${onlyIf}`}`;
}
