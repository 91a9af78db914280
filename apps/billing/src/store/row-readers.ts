// Decoders for rows read as JSON (row_to_json), one per model, checked for completeness against
// Prisma's model types (see json-rows.ts). Shared by every store module that reads a row and its
// relations in one statement.
import {
  Prisma,
  type ChargeAttempt,
  type Customer,
  type CustomerToken,
  type Invoice,
  type InvoiceLine,
  type Merchant,
  type PaymentRequest,
  type Plan,
  type PlanVersion,
  type Subscription,
  type SubscriptionPhase,
} from './generated/prisma/client.js';
import { jsonRowReader } from './json-rows.js';

export const readSubscription = jsonRowReader<Subscription>()({
  fields: Prisma.SubscriptionScalarFieldEnum,
  dates: [
    'currentPeriodStart',
    'currentPeriodEnd',
    'trialEndsAt',
    'pastDueSince',
    'nextRetryAt',
    'graceEndsAt',
    'pausedAt',
    'canceledAt',
    'endedAt',
    'nextActionAt',
    'createdAt',
    'updatedAt',
  ],
  bytes: [],
});
export const readMerchant = jsonRowReader<Merchant>()({
  fields: Prisma.MerchantScalarFieldEnum,
  dates: ['createdAt', 'updatedAt'],
  bytes: [],
});
export const readCustomer = jsonRowReader<Customer>()({
  fields: Prisma.CustomerScalarFieldEnum,
  dates: ['createdAt', 'updatedAt'],
  bytes: [],
});
export const readPhase = jsonRowReader<SubscriptionPhase>()({
  fields: Prisma.SubscriptionPhaseScalarFieldEnum,
  dates: ['anchorAt', 'createdAt'],
  bytes: [],
});
export const readPlanVersion = jsonRowReader<PlanVersion>()({
  fields: Prisma.PlanVersionScalarFieldEnum,
  dates: ['createdAt'],
  bytes: [],
});
export const readPlan = jsonRowReader<Plan>()({
  fields: Prisma.PlanScalarFieldEnum,
  dates: ['createdAt', 'updatedAt', 'archivedAt'],
  bytes: [],
});
export const readPaymentRequest = jsonRowReader<PaymentRequest>()({
  fields: Prisma.PaymentRequestScalarFieldEnum,
  dates: ['expiresAt', 'stateChangedAt', 'completedAt', 'createdAt', 'updatedAt'],
  bytes: [],
});
export const readInvoice = jsonRowReader<Invoice>()({
  fields: Prisma.InvoiceScalarFieldEnum,
  dates: ['periodStart', 'periodEnd', 'issuedAt', 'paidAt', 'voidedAt', 'heldAt', 'createdAt', 'updatedAt'],
  bytes: [],
});
export const readInvoiceLine = jsonRowReader<InvoiceLine>()({
  fields: Prisma.InvoiceLineScalarFieldEnum,
  dates: ['periodStart', 'periodEnd'],
  bytes: [],
});
export const readChargeAttempt = jsonRowReader<ChargeAttempt>()({
  fields: Prisma.ChargeAttemptScalarFieldEnum,
  dates: ['deadlineAt', 'firstSentAt', 'lastSentAt', 'completedAt', 'createdAt', 'updatedAt'],
  bytes: ['sealedSessionToken'],
});
export const readCustomerToken = jsonRowReader<CustomerToken>()({
  fields: Prisma.CustomerTokenScalarFieldEnum,
  dates: ['createdAt', 'lastUsedAt', 'revokedAt'],
  bytes: ['encryptedToken'],
});
