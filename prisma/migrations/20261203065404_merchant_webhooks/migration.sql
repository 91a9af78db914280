-- CreateEnum
CREATE TYPE "WebhookEndpointStatus" AS ENUM ('ENABLED', 'DELETED');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "status" "WebhookEndpointStatus" NOT NULL DEFAULT 'ENABLED',
    "description" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEndpointSecret" (
    "id" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "sealedSecret" BYTEA NOT NULL,
    "sealedKeyId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookEndpointSecret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "subscriptionId" UUID,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookEndpoint_merchantId_createdAt_idx" ON "WebhookEndpoint"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookEndpointSecret_endpointId_createdAt_idx" ON "WebhookEndpointSecret"("endpointId", "createdAt");

-- CreateIndex
CREATE INDEX "OutboxEvent_merchantId_createdAt_idx" ON "OutboxEvent"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "OutboxEvent_subscriptionId_createdAt_idx" ON "OutboxEvent"("subscriptionId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_merchantId_createdAt_idx" ON "WebhookDelivery"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_createdAt_idx" ON "WebhookDelivery"("endpointId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_eventId_endpointId_key" ON "WebhookDelivery"("eventId", "endpointId");

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEndpointSecret" ADD CONSTRAINT "WebhookEndpointSecret_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboxEvent" ADD CONSTRAINT "OutboxEvent_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "OutboxEvent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Appended by hand: what Prisma's schema cannot express.

ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_url_check" CHECK ("url" ~ '^https?://');
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_event_types_check"
  CHECK (cardinality("eventTypes") > 0);
ALTER TABLE "OutboxEvent" ADD CONSTRAINT "OutboxEvent_type_check" CHECK ("type" ~ '^[a-z_]+\.[a-z_]+$');
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_attempts_check" CHECK ("attemptCount" >= 0);
-- Delivered exactly when it has a delivery time.
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_delivered_check"
  CHECK (("status" = 'DELIVERED') = ("deliveredAt" IS NOT NULL));

-- The delivery sweep: pending deliveries in the order they become due (or their lease ends).
CREATE INDEX "WebhookDelivery_pending_idx" ON "WebhookDelivery" ("nextAttemptAt", "id") WHERE "status" = 'PENDING';
-- Failed deliveries, for operators and the API's ?status=FAILED.
CREATE INDEX "WebhookDelivery_failed_idx" ON "WebhookDelivery" ("merchantId", "createdAt") WHERE "status" = 'FAILED';
-- The fan-out reads a merchant's enabled endpoints.
CREATE INDEX "WebhookEndpoint_enabled_idx" ON "WebhookEndpoint" ("merchantId") WHERE "status" = 'ENABLED';

-- Fan-out: an outbox row gets one pending delivery per enabled endpoint of its merchant that takes
-- its type, in the same statement (so in the same transaction as the state change), whichever code
-- path wrote it. Deliveries are scheduled in real time (the database's clock).
CREATE FUNCTION rebill_outbox_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "WebhookDelivery" ("id", "eventId", "endpointId", "merchantId", "status", "attemptCount",
    "nextAttemptAt", "createdAt")
  SELECT gen_random_uuid(), NEW."id", e."id", NEW."merchantId", 'PENDING', 0, now(), now()
  FROM "WebhookEndpoint" e
  WHERE e."merchantId" = NEW."merchantId" AND e."status" = 'ENABLED'
    AND ('*' = ANY (e."eventTypes") OR NEW."type" = ANY (e."eventTypes"));
  RETURN NULL;
END;
$$;
CREATE TRIGGER "OutboxEvent_fan_out" AFTER INSERT ON "OutboxEvent"
  FOR EACH ROW EXECUTE FUNCTION rebill_outbox_fan_out();
