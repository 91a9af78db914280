// The writes of one signup decision (settle.ts) in one statement: the subscription under its
// optimistic lock, and with it the payment request's part states, the period-0 invoice's status
// and the audit row, as data-modifying steps of the same WITH. One round trip where there were up
// to four; all of it or nothing, as the caller's transaction already made it.
import { auditSteps, type AuditEntry } from './audit.js';
import type { Tx } from './db.js';
import {
  Prisma,
  type InvoiceStatus,
  type NextActionKind,
  type SignupPartState,
  type Subscription,
  type SubscriptionStatus,
} from './generated/prisma/client.js';

/** The subscription fields a signup decision sets; an absent field is left as it is. */
export interface SignupSubscriptionChange {
  readonly status?: SubscriptionStatus;
  readonly tokenId?: string | null;
  readonly requiresNewToken?: boolean;
  readonly periodIndex?: number;
  readonly currentPeriodStart?: Date | null;
  readonly currentPeriodEnd?: Date | null;
  readonly paidThroughPeriodIndex?: number | null;
  readonly endedAt?: Date | null;
  readonly endedReason?: string | null;
  readonly nextActionKind?: NextActionKind | null;
  readonly nextActionAt?: Date | null;
  readonly updatedAt: Date;
}

/** Each field's SQL type, for the cast of its parameter (a field added above must be typed here). */
const COLUMN_TYPES: { readonly [K in keyof SignupSubscriptionChange]-?: string } = {
  status: '"SubscriptionStatus"',
  tokenId: 'uuid',
  requiresNewToken: 'boolean',
  periodIndex: 'int',
  currentPeriodStart: 'timestamptz',
  currentPeriodEnd: 'timestamptz',
  paidThroughPeriodIndex: 'int',
  endedAt: 'timestamptz',
  endedReason: 'text',
  nextActionKind: '"NextActionKind"',
  nextActionAt: 'timestamptz',
  updatedAt: 'timestamptz',
};

export interface SignupDecisionWrites {
  readonly subscription: Pick<Subscription, 'id' | 'version'>;
  readonly change: SignupSubscriptionChange;
  readonly paymentRequestParts: {
    readonly id: string;
    readonly paymentPart: SignupPartState;
    readonly tokenPart: SignupPartState;
    readonly updatedAt: Date;
  } | null;
  readonly invoice: {
    readonly id: string;
    readonly status: Extract<InvoiceStatus, 'PAID' | 'VOID'>;
    readonly at: Date;
  } | null;
  readonly audit: AuditEntry | null;
}

/**
 * Writes the decision; false when the subscription's version moved (another writer got there
 * first): the other steps ran too, so the caller must then fail its transaction.
 */
export async function writeSignupDecision(tx: Tx, writes: SignupDecisionWrites): Promise<boolean> {
  const steps: Prisma.Sql[] = [];
  const parts = writes.paymentRequestParts;
  if (parts !== null) {
    steps.push(Prisma.sql`parts AS (
      UPDATE "PaymentRequest" SET "paymentPart" = ${parts.paymentPart}::"SignupPartState",
        "tokenPart" = ${parts.tokenPart}::"SignupPartState", "updatedAt" = ${parts.updatedAt}::timestamptz
      WHERE id = ${parts.id}::uuid)`);
  }
  const invoice = writes.invoice;
  if (invoice !== null) {
    const stamp = Prisma.raw(invoice.status === 'PAID' ? '"paidAt"' : '"voidedAt"');
    steps.push(Prisma.sql`invoice AS (
      UPDATE "Invoice" SET status = ${invoice.status}::"InvoiceStatus", ${stamp} = ${invoice.at}::timestamptz,
        "updatedAt" = ${invoice.at}::timestamptz
      WHERE id = ${invoice.id}::uuid)`);
  }
  if (writes.audit !== null) steps.push(auditSteps('audited', writes.audit));

  const sets = (Object.keys(COLUMN_TYPES) as (keyof SignupSubscriptionChange)[])
    .filter((field) => writes.change[field] !== undefined)
    .map(
      (field) =>
        Prisma.sql`${Prisma.raw(`"${field}"`)} = ${writes.change[field]}::${Prisma.raw(COLUMN_TYPES[field])}`,
    );
  const updated = await tx.$executeRaw`
    ${steps.length === 0 ? Prisma.empty : Prisma.sql`WITH ${Prisma.join(steps, ',\n')}`}
    UPDATE "Subscription" SET ${Prisma.join(sets, ', ')}, version = version + 1
    WHERE id = ${writes.subscription.id}::uuid AND version = ${writes.subscription.version}::int`;
  return updated === 1;
}
