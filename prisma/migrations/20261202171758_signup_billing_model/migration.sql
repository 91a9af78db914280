-- CreateEnum
CREATE TYPE "PlanStatus" AS ENUM ('ACTIVE', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "NextActionKind" AS ENUM ('TRIAL_END', 'RENEWAL', 'DUNNING_RETRY', 'GRACE_END', 'CANCEL_AT_PERIOD_END', 'FINALIZE', 'SIGNUP_EXPIRY');

-- CreateEnum
CREATE TYPE "PaymentRequestPurpose" AS ENUM ('SIGNUP', 'TOKEN_REPLACEMENT');

-- CreateEnum
CREATE TYPE "SignupPartState" AS ENUM ('NOT_REQUESTED', 'PENDING', 'APPROVED', 'DECLINED');

-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE');

-- CreateEnum
CREATE TYPE "ChargeAttemptKind" AS ENUM ('SIGNUP', 'FINALIZE', 'CUSTOMER_NOT_PRESENT');

-- CreateEnum
CREATE TYPE "CaptureMode" AS ENUM ('NOW', 'LATER');

-- CreateEnum
CREATE TYPE "ChargeState" AS ENUM ('AUTHORIZED', 'COMPLETED', 'EXPIRED', 'CLOSED');

-- CreateEnum
CREATE TYPE "MoneyOperationStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "SigningKeyStatus" AS ENUM ('ACTIVE', 'RETIRED');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('API_KEY', 'OPERATOR', 'SYSTEM', 'KLARNA');

-- DropForeignKey
ALTER TABLE "ApiKey" DROP CONSTRAINT "ApiKey_merchantId_fkey";

-- DropForeignKey
ALTER TABLE "AuditEvent" DROP CONSTRAINT "AuditEvent_subscriptionId_merchantId_fkey";

-- DropForeignKey
ALTER TABLE "AuditEvent" DROP CONSTRAINT "AuditEvent_tokenId_merchantId_fkey";

-- DropForeignKey
ALTER TABLE "Subscription" DROP CONSTRAINT "Subscription_planId_merchantId_fkey";

-- DropForeignKey
ALTER TABLE "Subscription" DROP CONSTRAINT "Subscription_tokenId_merchantId_fkey";

-- DropIndex
DROP INDEX "ApiKey_merchantId_idx";

-- DropIndex
DROP INDEX "AuditEvent_tokenId_createdAt_idx";

-- DropIndex
DROP INDEX "ChargeAttempt_klarnaTransactionId_key";

-- DropIndex
DROP INDEX "ChargeAttempt_merchantId_createdAt_idx";

-- DropIndex
DROP INDEX "ChargeAttempt_status_updatedAt_idx";

-- DropIndex
DROP INDEX "ChargeAttempt_subscriptionId_periodStart_attemptNumber_key";

-- DropIndex
DROP INDEX "Customer_merchantId_createdAt_idx";

-- DropIndex
DROP INDEX "PaymentRequest_merchantId_createdAt_idx";

-- DropIndex
DROP INDEX "PaymentRequest_state_expiresAt_idx";

-- DropIndex
DROP INDEX "Plan_merchantId_createdAt_idx";

-- DropIndex
DROP INDEX "Subscription_merchantId_status_createdAt_idx";

-- DropIndex
DROP INDEX "Subscription_nextChargeAt_idx";

-- DropIndex
DROP INDEX "Subscription_status_nextChargeAt_idx";

-- DropIndex
DROP INDEX "WebhookEvent_status_receivedAt_idx";

-- AlterTable
ALTER TABLE "ApiKey" ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "AuditEvent" DROP COLUMN "actor",
DROP COLUMN "detail",
DROP COLUMN "tokenId",
ADD COLUMN     "actorId" TEXT NOT NULL,
ADD COLUMN     "actorKind" "ActorKind" NOT NULL,
ADD COLUMN     "after" JSONB,
ADD COLUMN     "before" JSONB,
ADD COLUMN     "entityId" TEXT NOT NULL,
ADD COLUMN     "entityType" TEXT NOT NULL,
ALTER COLUMN "merchantId" DROP NOT NULL,
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "ChargeAttempt" DROP COLUMN "klarnaTransactionId",
DROP COLUMN "periodEnd",
DROP COLUMN "periodStart",
DROP COLUMN "requestedAt",
ADD COLUMN     "captureMode" "CaptureMode" NOT NULL DEFAULT 'NOW',
ADD COLUMN     "deadlineAt" TIMESTAMPTZ(3),
ADD COLUMN     "firstSentAt" TIMESTAMPTZ(3),
ADD COLUMN     "invoiceId" UUID NOT NULL,
ADD COLUMN     "kind" "ChargeAttemptKind" NOT NULL,
ADD COLUMN     "lastSentAt" TIMESTAMPTZ(3),
ADD COLUMN     "sealedKeyId" TEXT,
ADD COLUMN     "sealedSessionToken" BYTEA,
ADD COLUMN     "tokenId" UUID,
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "Customer" ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "CustomerToken" ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "Merchant" ADD COLUMN     "invoicePrefix" TEXT NOT NULL,
ADD COLUMN     "nextInvoiceSequence" INTEGER NOT NULL DEFAULT 1,
ALTER COLUMN "klarnaPartnerAccountId" SET NOT NULL,
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "PaymentRequest" ADD COLUMN     "idempotencyKey" TEXT NOT NULL,
ADD COLUMN     "paymentPart" "SignupPartState" NOT NULL DEFAULT 'NOT_REQUESTED',
ADD COLUMN     "purpose" "PaymentRequestPurpose" NOT NULL DEFAULT 'SIGNUP',
ADD COLUMN     "tokenPart" "SignupPartState" NOT NULL DEFAULT 'PENDING',
ADD COLUMN     "tokenReference" TEXT NOT NULL,
ALTER COLUMN "customerId" SET NOT NULL,
ALTER COLUMN "subscriptionId" SET NOT NULL,
ALTER COLUMN "klarnaPaymentRequestId" DROP NOT NULL,
ALTER COLUMN "state" SET DEFAULT 'CREATING',
ALTER COLUMN "currency" SET NOT NULL,
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "Plan" DROP COLUMN "active",
DROP COLUMN "amountMinor",
DROP COLUMN "dunningPolicy",
DROP COLUMN "interval",
DROP COLUMN "intervalCount",
DROP COLUMN "trialDays",
ADD COLUMN     "archivedAt" TIMESTAMPTZ(3),
ADD COLUMN     "latestVersion" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "status" "PlanStatus" NOT NULL DEFAULT 'ACTIVE',
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "Subscription" DROP COLUMN "anchorAt",
DROP COLUMN "nextChargeAt",
DROP COLUMN "planId",
ADD COLUMN     "currency" CHAR(3) NOT NULL,
ADD COLUMN     "endedReason" TEXT,
ADD COLUMN     "nextActionAt" TIMESTAMPTZ(3),
ADD COLUMN     "nextActionKind" "NextActionKind",
ADD COLUMN     "nextActionLeaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "requiresNewToken" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "returnUrl" TEXT NOT NULL,
ALTER COLUMN "createdAt" DROP DEFAULT;

-- AlterTable
ALTER TABLE "WebhookEvent" DROP COLUMN "error",
ADD COLUMN     "klarnaPaymentRequestId" TEXT,
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
ADD COLUMN     "sealedKeyId" TEXT,
ADD COLUMN     "sealedSecrets" BYTEA,
ADD COLUMN     "subjectAccountId" TEXT,
ALTER COLUMN "receivedAt" DROP DEFAULT,
ALTER COLUMN "signingKeyId" SET NOT NULL;

-- CreateTable
CREATE TABLE "PlanVersion" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "planId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "interval" "BillingInterval" NOT NULL,
    "intervalCount" INTEGER NOT NULL DEFAULT 1,
    "trialDays" INTEGER NOT NULL DEFAULT 0,
    "dunningPolicy" JSONB NOT NULL,
    "catchUpPolicy" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PlanVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SubscriptionPhase" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "planVersionId" UUID NOT NULL,
    "anchorAt" TIMESTAMPTZ(3) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "firstPeriodIndex" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SubscriptionPhase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "periodIndex" INTEGER NOT NULL,
    "planVersionId" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "taxMinor" INTEGER,
    "currency" CHAR(3) NOT NULL,
    "status" "InvoiceStatus" NOT NULL DEFAULT 'OPEN',
    "issuedAt" TIMESTAMPTZ(3) NOT NULL,
    "paidAt" TIMESTAMPTZ(3),
    "voidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InvoiceLine" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "invoiceId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitAmountMinor" INTEGER NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "taxMinor" INTEGER,
    "taxRateBps" INTEGER,
    "planVersionId" UUID,
    "periodStart" TIMESTAMPTZ(3),
    "periodEnd" TIMESTAMPTZ(3),

    CONSTRAINT "InvoiceLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Charge" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "invoiceId" UUID NOT NULL,
    "attemptId" UUID NOT NULL,
    "klarnaTransactionId" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "state" "ChargeState" NOT NULL,
    "captureMode" "CaptureMode" NOT NULL,
    "capturedMinor" INTEGER NOT NULL DEFAULT 0,
    "refundedMinor" INTEGER NOT NULL DEFAULT 0,
    "authorizedAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Charge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Capture" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "chargeId" UUID NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reference" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "klarnaCaptureId" TEXT,
    "status" "MoneyOperationStatus" NOT NULL DEFAULT 'PENDING',
    "capturedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Capture_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Refund" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "chargeId" UUID NOT NULL,
    "captureId" UUID NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reason" TEXT,
    "reference" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "klarnaRefundId" TEXT,
    "status" "MoneyOperationStatus" NOT NULL DEFAULT 'PENDING',
    "refundedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Void" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "chargeId" UUID NOT NULL,
    "reason" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "status" "MoneyOperationStatus" NOT NULL DEFAULT 'PENDING',
    "voidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Void_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiIdempotencyRecord" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "responseStatus" INTEGER,
    "responseBody" JSONB,
    "resourceId" TEXT,
    "lockedUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ApiIdempotencyRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KlarnaSigningKey" (
    "id" UUID NOT NULL,
    "klarnaSigningKeyId" TEXT NOT NULL,
    "encryptedSecret" BYTEA NOT NULL,
    "keyId" TEXT NOT NULL,
    "status" "SigningKeyStatus" NOT NULL DEFAULT 'ACTIVE',
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "KlarnaSigningKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KlarnaWebhookRegistration" (
    "id" UUID NOT NULL,
    "klarnaWebhookId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "signingKeyId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "KlarnaWebhookRegistration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClockState" (
    "id" TEXT NOT NULL,
    "offsetMs" BIGINT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ClockState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleProcess" (
    "id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "hostname" TEXT NOT NULL,
    "clockGeneration" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RoleProcess_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PlanVersion_planId_version_key" ON "PlanVersion"("planId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "PlanVersion_id_merchantId_key" ON "PlanVersion"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "SubscriptionPhase_subscriptionId_firstPeriodIndex_key" ON "SubscriptionPhase"("subscriptionId", "firstPeriodIndex");

-- CreateIndex
CREATE UNIQUE INDEX "SubscriptionPhase_id_merchantId_key" ON "SubscriptionPhase"("id", "merchantId");

-- CreateIndex
CREATE INDEX "Invoice_merchantId_createdAt_id_idx" ON "Invoice"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_subscriptionId_periodIndex_key" ON "Invoice"("subscriptionId", "periodIndex");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_merchantId_number_key" ON "Invoice"("merchantId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_id_merchantId_key" ON "Invoice"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "InvoiceLine_invoiceId_position_key" ON "InvoiceLine"("invoiceId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "Charge_klarnaTransactionId_key" ON "Charge"("klarnaTransactionId");

-- CreateIndex
CREATE INDEX "Charge_merchantId_createdAt_id_idx" ON "Charge"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Charge_subscriptionId_createdAt_idx" ON "Charge"("subscriptionId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Charge_attemptId_merchantId_key" ON "Charge"("attemptId", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "Charge_id_merchantId_key" ON "Charge"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_reference_key" ON "Capture"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_idempotencyKey_key" ON "Capture"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_klarnaCaptureId_key" ON "Capture"("klarnaCaptureId");

-- CreateIndex
CREATE INDEX "Capture_chargeId_idx" ON "Capture"("chargeId");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_id_merchantId_key" ON "Capture"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_reference_key" ON "Refund"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_idempotencyKey_key" ON "Refund"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_klarnaRefundId_key" ON "Refund"("klarnaRefundId");

-- CreateIndex
CREATE INDEX "Refund_chargeId_idx" ON "Refund"("chargeId");

-- CreateIndex
CREATE INDEX "Refund_merchantId_createdAt_id_idx" ON "Refund"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Void_idempotencyKey_key" ON "Void"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Void_chargeId_idx" ON "Void"("chargeId");

-- CreateIndex
CREATE INDEX "ApiIdempotencyRecord_expiresAt_idx" ON "ApiIdempotencyRecord"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiIdempotencyRecord_merchantId_key_key" ON "ApiIdempotencyRecord"("merchantId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "KlarnaSigningKey_klarnaSigningKeyId_key" ON "KlarnaSigningKey"("klarnaSigningKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "KlarnaWebhookRegistration_klarnaWebhookId_key" ON "KlarnaWebhookRegistration"("klarnaWebhookId");

-- CreateIndex
CREATE UNIQUE INDEX "KlarnaWebhookRegistration_url_key" ON "KlarnaWebhookRegistration"("url");

-- CreateIndex
CREATE INDEX "RoleProcess_lastSeenAt_idx" ON "RoleProcess"("lastSeenAt");

-- CreateIndex
CREATE INDEX "ApiKey_merchantId_createdAt_idx" ON "ApiKey"("merchantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_id_merchantId_key" ON "ApiKey"("id", "merchantId");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_createdAt_idx" ON "AuditEvent"("entityType", "entityId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_subscriptionId_createdAt_idx" ON "AuditEvent"("subscriptionId", "createdAt");

-- CreateIndex
CREATE INDEX "ChargeAttempt_subscriptionId_createdAt_idx" ON "ChargeAttempt"("subscriptionId", "createdAt");

-- CreateIndex
CREATE INDEX "ChargeAttempt_merchantId_createdAt_id_idx" ON "ChargeAttempt"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_invoiceId_attemptNumber_key" ON "ChargeAttempt"("invoiceId", "attemptNumber");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_id_merchantId_key" ON "ChargeAttempt"("id", "merchantId");

-- CreateIndex
CREATE INDEX "Customer_merchantId_createdAt_id_idx" ON "Customer"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerToken_id_customerId_merchantId_key" ON "CustomerToken"("id", "customerId", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "Merchant_klarnaPartnerAccountId_key" ON "Merchant"("klarnaPartnerAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentRequest_tokenReference_key" ON "PaymentRequest"("tokenReference");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentRequest_idempotencyKey_key" ON "PaymentRequest"("idempotencyKey");

-- CreateIndex
CREATE INDEX "PaymentRequest_subscriptionId_createdAt_idx" ON "PaymentRequest"("subscriptionId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentRequest_id_merchantId_key" ON "PaymentRequest"("id", "merchantId");

-- CreateIndex
CREATE INDEX "Plan_merchantId_createdAt_id_idx" ON "Plan"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Subscription_merchantId_createdAt_id_idx" ON "Subscription"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Subscription_merchantId_status_createdAt_id_idx" ON "Subscription"("merchantId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "WebhookEvent_klarnaPaymentRequestId_occurredAt_idx" ON "WebhookEvent"("klarnaPaymentRequestId", "occurredAt");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_planId_merchantId_fkey" FOREIGN KEY ("planId", "merchantId") REFERENCES "Plan"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_tokenId_customerId_merchantId_fkey" FOREIGN KEY ("tokenId", "customerId", "merchantId") REFERENCES "CustomerToken"("id", "customerId", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubscriptionPhase" ADD CONSTRAINT "SubscriptionPhase_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubscriptionPhase" ADD CONSTRAINT "SubscriptionPhase_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SubscriptionPhase" ADD CONSTRAINT "SubscriptionPhase_planVersionId_merchantId_fkey" FOREIGN KEY ("planVersionId", "merchantId") REFERENCES "PlanVersion"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_customerId_merchantId_fkey" FOREIGN KEY ("customerId", "merchantId") REFERENCES "Customer"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_planVersionId_merchantId_fkey" FOREIGN KEY ("planVersionId", "merchantId") REFERENCES "PlanVersion"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_invoiceId_merchantId_fkey" FOREIGN KEY ("invoiceId", "merchantId") REFERENCES "Invoice"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_planVersionId_merchantId_fkey" FOREIGN KEY ("planVersionId", "merchantId") REFERENCES "PlanVersion"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_invoiceId_merchantId_fkey" FOREIGN KEY ("invoiceId", "merchantId") REFERENCES "Invoice"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_tokenId_merchantId_fkey" FOREIGN KEY ("tokenId", "merchantId") REFERENCES "CustomerToken"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_invoiceId_merchantId_fkey" FOREIGN KEY ("invoiceId", "merchantId") REFERENCES "Invoice"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_attemptId_merchantId_fkey" FOREIGN KEY ("attemptId", "merchantId") REFERENCES "ChargeAttempt"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_chargeId_merchantId_fkey" FOREIGN KEY ("chargeId", "merchantId") REFERENCES "Charge"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_chargeId_merchantId_fkey" FOREIGN KEY ("chargeId", "merchantId") REFERENCES "Charge"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_captureId_merchantId_fkey" FOREIGN KEY ("captureId", "merchantId") REFERENCES "Capture"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Void" ADD CONSTRAINT "Void_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Void" ADD CONSTRAINT "Void_chargeId_merchantId_fkey" FOREIGN KEY ("chargeId", "merchantId") REFERENCES "Charge"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiIdempotencyRecord" ADD CONSTRAINT "ApiIdempotencyRecord_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KlarnaWebhookRegistration" ADD CONSTRAINT "KlarnaWebhookRegistration_signingKeyId_fkey" FOREIGN KEY ("signingKeyId") REFERENCES "KlarnaSigningKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: what schema.prisma cannot express. Prisma's diff ignores these, so
-- db:migrate:check stays in sync.
-- ---------------------------------------------------------------------------------------------

-- Money: amounts are positive integers of minor units, currencies are ISO 4217 codes.
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_amount_check" CHECK ("amountMinor" > 0);
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_intervalCount_check" CHECK ("intervalCount" >= 1);
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_trialDays_check" CHECK ("trialDays" >= 0);
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_version_check" CHECK ("version" >= 1);
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_periodIndex_check" CHECK ("periodIndex" >= 0);
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_nextAction_check"
  CHECK (("nextActionAt" IS NULL) = ("nextActionKind" IS NULL));
ALTER TABLE "SubscriptionPhase" ADD CONSTRAINT "SubscriptionPhase_firstPeriodIndex_check" CHECK ("firstPeriodIndex" >= 0);
ALTER TABLE "PaymentRequest" ADD CONSTRAINT "PaymentRequest_amount_check" CHECK ("amountMinor" IS NULL OR "amountMinor" > 0);
ALTER TABLE "PaymentRequest" ADD CONSTRAINT "PaymentRequest_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
-- An invoice may be zero (a full discount, later) but never negative. Tax is part of the gross.
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_amount_check" CHECK ("amountMinor" >= 0);
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_tax_check" CHECK ("taxMinor" IS NULL OR ("taxMinor" >= 0 AND "taxMinor" <= "amountMinor"));
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_period_check" CHECK ("periodEnd" > "periodStart" AND "periodIndex" >= 0);
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_quantity_check" CHECK ("quantity" >= 1);
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_amount_check" CHECK ("amountMinor" >= 0 AND "unitAmountMinor" >= 0);
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_amount_check" CHECK ("amountMinor" > 0);
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_attemptNumber_check" CHECK ("attemptNumber" >= 1);
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_amount_check" CHECK ("amountMinor" > 0);
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_captured_check"
  CHECK ("capturedMinor" >= 0 AND "capturedMinor" <= "amountMinor" AND "refundedMinor" >= 0 AND "refundedMinor" <= "capturedMinor");
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_amount_check" CHECK ("amountMinor" > 0);
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_amount_check" CHECK ("amountMinor" > 0);
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

-- The scheduler's sweep reads only the next action: due rows in time order, one index page per page.
CREATE INDEX "Subscription_nextAction_due_idx" ON "Subscription" ("nextActionAt", "id")
  WHERE "nextActionAt" IS NOT NULL;
-- Webhook events whose apply has not succeeded yet, for the retry sweep.
CREATE INDEX "WebhookEvent_unapplied_idx" ON "WebhookEvent" ("nextAttemptAt", "id")
  WHERE "status" IN ('RECEIVED', 'FAILED');

-- Append-only and immutable rows: refused by the database itself, whatever the code does.
CREATE FUNCTION rebill_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on "%" is not allowed: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION rebill_refuse_change('the audit trail is append-only');
CREATE TRIGGER "PlanVersion_immutable" BEFORE UPDATE OR DELETE ON "PlanVersion"
  FOR EACH ROW EXECUTE FUNCTION rebill_refuse_change('plan versions never change; create a new version');
CREATE TRIGGER "InvoiceLine_immutable" BEFORE UPDATE OR DELETE ON "InvoiceLine"
  FOR EACH ROW EXECUTE FUNCTION rebill_refuse_change('invoice lines never change');

-- An invoice's content is fixed once issued: only its status and the paid/void stamps move.
CREATE FUNCTION rebill_invoice_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'DELETE on "Invoice" is not allowed: invoices are never deleted'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW."merchantId", NEW."customerId", NEW."subscriptionId", NEW."periodIndex", NEW."planVersionId",
      NEW."number", NEW."periodStart", NEW."periodEnd", NEW."amountMinor", NEW."taxMinor", NEW."currency",
      NEW."issuedAt", NEW."createdAt")
     IS DISTINCT FROM
     (OLD."merchantId", OLD."customerId", OLD."subscriptionId", OLD."periodIndex", OLD."planVersionId",
      OLD."number", OLD."periodStart", OLD."periodEnd", OLD."amountMinor", OLD."taxMinor", OLD."currency",
      OLD."issuedAt", OLD."createdAt") THEN
    RAISE EXCEPTION 'UPDATE of an invoice''s content is not allowed: only status, paidAt and voidedAt change'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Invoice_immutable" BEFORE UPDATE OR DELETE ON "Invoice"
  FOR EACH ROW EXECUTE FUNCTION rebill_invoice_immutable();
