-- CreateEnum
CREATE TYPE "BillingInterval" AS ENUM ('DAY', 'WEEK', 'MONTH', 'YEAR');

-- CreateEnum
CREATE TYPE "TokenStatus" AS ENUM ('ACTIVE', 'REVOKED');

-- CreateEnum
CREATE TYPE "SubscriptionStatus" AS ENUM ('PENDING_TOKENIZATION', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'PAUSED', 'CANCELED', 'UNPAID', 'INCOMPLETE_EXPIRED');

-- CreateEnum
CREATE TYPE "PaymentRequestState" AS ENUM ('SUBMITTED', 'IN_PROGRESS', 'COMPLETED', 'EXPIRED', 'CANCELED', 'DECLINED');

-- CreateEnum
CREATE TYPE "ChargeAttemptStatus" AS ENUM ('PENDING', 'APPROVED', 'DECLINED', 'FAILED', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "DeclineCategory" AS ENUM ('HARD', 'SOFT', 'TRANSIENT');

-- CreateEnum
CREATE TYPE "WebhookEventStatus" AS ENUM ('RECEIVED', 'PROCESSED', 'FAILED', 'IGNORED');

-- CreateTable
CREATE TABLE "Merchant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "klarnaPartnerAccountId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Merchant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Plan" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "interval" "BillingInterval" NOT NULL,
    "intervalCount" INTEGER NOT NULL DEFAULT 1,
    "trialDays" INTEGER NOT NULL DEFAULT 0,
    "dunningPolicy" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "externalRef" TEXT NOT NULL,
    "email" TEXT,
    "name" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerToken" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "encryptedToken" BYTEA NOT NULL,
    "keyId" TEXT NOT NULL,
    "tokenFingerprint" TEXT NOT NULL,
    "scopes" TEXT[],
    "status" "TokenStatus" NOT NULL DEFAULT 'ACTIVE',
    "reference" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "revokedReason" TEXT,

    CONSTRAINT "CustomerToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subscription" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "planId" UUID NOT NULL,
    "tokenId" UUID,
    "status" "SubscriptionStatus" NOT NULL DEFAULT 'PENDING_TOKENIZATION',
    "anchorAt" TIMESTAMPTZ(3) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "periodIndex" INTEGER NOT NULL DEFAULT 0,
    "currentPeriodStart" TIMESTAMPTZ(3),
    "currentPeriodEnd" TIMESTAMPTZ(3),
    "trialEndsAt" TIMESTAMPTZ(3),
    "nextChargeAt" TIMESTAMPTZ(3),
    "dunningAttempt" INTEGER NOT NULL DEFAULT 0,
    "pastDueSince" TIMESTAMPTZ(3),
    "cancelAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
    "canceledAt" TIMESTAMPTZ(3),
    "endedAt" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentRequest" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "customerId" UUID,
    "subscriptionId" UUID,
    "klarnaPaymentRequestId" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "state" "PaymentRequestState" NOT NULL,
    "stateReason" TEXT,
    "url" TEXT,
    "amountMinor" INTEGER,
    "currency" CHAR(3),
    "expiresAt" TIMESTAMPTZ(3),
    "stateChangedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PaymentRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChargeAttempt" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "attemptNumber" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "ChargeAttemptStatus" NOT NULL DEFAULT 'PENDING',
    "klarnaTransactionId" TEXT,
    "declineReason" TEXT,
    "declineCategory" "DeclineCategory",
    "errorCode" TEXT,
    "klarnaCorrelationId" TEXT,
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "requestedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ChargeAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" UUID NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merchantId" UUID,
    "signingKeyId" TEXT,
    "payload" JSONB NOT NULL,
    "status" "WebhookEventStatus" NOT NULL DEFAULT 'RECEIVED',
    "applyCount" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "processedAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "merchantId" UUID NOT NULL,
    "tokenId" UUID,
    "subscriptionId" UUID,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");

-- CreateIndex
CREATE INDEX "ApiKey_merchantId_idx" ON "ApiKey"("merchantId");

-- CreateIndex
CREATE INDEX "Plan_merchantId_createdAt_idx" ON "Plan"("merchantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Plan_merchantId_code_key" ON "Plan"("merchantId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "Plan_id_merchantId_key" ON "Plan"("id", "merchantId");

-- CreateIndex
CREATE INDEX "Customer_merchantId_createdAt_idx" ON "Customer"("merchantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_merchantId_externalRef_key" ON "Customer"("merchantId", "externalRef");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_id_merchantId_key" ON "Customer"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerToken_reference_key" ON "CustomerToken"("reference");

-- CreateIndex
CREATE INDEX "CustomerToken_merchantId_customerId_idx" ON "CustomerToken"("merchantId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerToken_merchantId_tokenFingerprint_key" ON "CustomerToken"("merchantId", "tokenFingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerToken_id_merchantId_key" ON "CustomerToken"("id", "merchantId");

-- CreateIndex
CREATE INDEX "Subscription_status_nextChargeAt_idx" ON "Subscription"("status", "nextChargeAt");

-- CreateIndex
CREATE INDEX "Subscription_nextChargeAt_idx" ON "Subscription"("nextChargeAt");

-- CreateIndex
CREATE INDEX "Subscription_merchantId_status_createdAt_idx" ON "Subscription"("merchantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Subscription_merchantId_customerId_idx" ON "Subscription"("merchantId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "Subscription_id_merchantId_key" ON "Subscription"("id", "merchantId");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentRequest_klarnaPaymentRequestId_key" ON "PaymentRequest"("klarnaPaymentRequestId");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentRequest_reference_key" ON "PaymentRequest"("reference");

-- CreateIndex
CREATE INDEX "PaymentRequest_merchantId_createdAt_idx" ON "PaymentRequest"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "PaymentRequest_state_expiresAt_idx" ON "PaymentRequest"("state", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_idempotencyKey_key" ON "ChargeAttempt"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_reference_key" ON "ChargeAttempt"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_klarnaTransactionId_key" ON "ChargeAttempt"("klarnaTransactionId");

-- CreateIndex
CREATE INDEX "ChargeAttempt_merchantId_createdAt_idx" ON "ChargeAttempt"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "ChargeAttempt_status_updatedAt_idx" ON "ChargeAttempt"("status", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChargeAttempt_subscriptionId_periodStart_attemptNumber_key" ON "ChargeAttempt"("subscriptionId", "periodStart", "attemptNumber");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_eventId_key" ON "WebhookEvent"("eventId");

-- CreateIndex
CREATE INDEX "WebhookEvent_status_receivedAt_idx" ON "WebhookEvent"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookEvent_merchantId_receivedAt_idx" ON "WebhookEvent"("merchantId", "receivedAt");

-- CreateIndex
CREATE INDEX "AuditEvent_merchantId_createdAt_idx" ON "AuditEvent"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_tokenId_createdAt_idx" ON "AuditEvent"("tokenId", "createdAt");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerToken" ADD CONSTRAINT "CustomerToken_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerToken" ADD CONSTRAINT "CustomerToken_customerId_merchantId_fkey" FOREIGN KEY ("customerId", "merchantId") REFERENCES "Customer"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_customerId_merchantId_fkey" FOREIGN KEY ("customerId", "merchantId") REFERENCES "Customer"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_planId_merchantId_fkey" FOREIGN KEY ("planId", "merchantId") REFERENCES "Plan"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_tokenId_merchantId_fkey" FOREIGN KEY ("tokenId", "merchantId") REFERENCES "CustomerToken"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentRequest" ADD CONSTRAINT "PaymentRequest_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentRequest" ADD CONSTRAINT "PaymentRequest_customerId_merchantId_fkey" FOREIGN KEY ("customerId", "merchantId") REFERENCES "Customer"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentRequest" ADD CONSTRAINT "PaymentRequest_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChargeAttempt" ADD CONSTRAINT "ChargeAttempt_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEvent" ADD CONSTRAINT "WebhookEvent_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_tokenId_merchantId_fkey" FOREIGN KEY ("tokenId", "merchantId") REFERENCES "CustomerToken"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;
