-- AlterEnum
ALTER TYPE "NextActionKind" ADD VALUE 'PAUSE_AT_PERIOD_END';

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN     "heldAt" TIMESTAMPTZ(3),
ADD COLUMN     "holdReason" TEXT;

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "graceEndsAt" TIMESTAMPTZ(3),
ADD COLUMN     "nextRetryAt" TIMESTAMPTZ(3),
ADD COLUMN     "pauseAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pausedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "SkippedPeriodRange" (
    "id" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "fromIndex" INTEGER NOT NULL,
    "toIndex" INTEGER NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SkippedPeriodRange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SkippedPeriodRange_merchantId_createdAt_id_idx" ON "SkippedPeriodRange"("merchantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SkippedPeriodRange_subscriptionId_fromIndex_key" ON "SkippedPeriodRange"("subscriptionId", "fromIndex");

-- AddForeignKey
ALTER TABLE "SkippedPeriodRange" ADD CONSTRAINT "SkippedPeriodRange_merchantId_fkey" FOREIGN KEY ("merchantId") REFERENCES "Merchant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SkippedPeriodRange" ADD CONSTRAINT "SkippedPeriodRange_subscriptionId_merchantId_fkey" FOREIGN KEY ("subscriptionId", "merchantId") REFERENCES "Subscription"("id", "merchantId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Appended by hand: what Prisma's schema cannot express.

ALTER TABLE "SkippedPeriodRange" ADD CONSTRAINT "SkippedPeriodRange_range_check"
  CHECK ("fromIndex" >= 0 AND "fromIndex" <= "toIndex" AND "periodStart" < "periodEnd");
ALTER TABLE "SkippedPeriodRange" ADD CONSTRAINT "SkippedPeriodRange_reason_check"
  CHECK ("reason" IN ('CATCH_UP_POLICY'));
CREATE TRIGGER "SkippedPeriodRange_immutable" BEFORE UPDATE OR DELETE ON "SkippedPeriodRange"
  FOR EACH ROW EXECUTE FUNCTION rebill_refuse_change('a skipped period stays recorded');

ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_hold_check" CHECK (("heldAt" IS NULL) = ("holdReason" IS NULL));
-- Operators' list of held invoices, newest first per merchant.
CREATE INDEX "Invoice_held_idx" ON "Invoice" ("merchantId", "heldAt" DESC, "id") WHERE "heldAt" IS NOT NULL;

ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_dunning_check"
  CHECK ("status" <> 'PAST_DUE' OR ("pastDueSince" IS NOT NULL AND "graceEndsAt" IS NOT NULL));

-- The sweep's order is the time a row next becomes sweepable: its next action's time, or its
-- lease's end while a job holds it. Keyed on that expression, a page of due rows is one index
-- range read, leased rows are not re-read and filtered on every page (the old index on
-- nextActionAt read 100,000 rows to find 500 among 70,000 due). Per merchant, because a tick takes
-- at most a cap of rows from each merchant (fairness); one index only, since every lease rewrites
-- the entry of each index keyed on it.
DROP INDEX "Subscription_nextAction_due_idx";
CREATE INDEX "Subscription_merchant_sweep_idx" ON "Subscription"
  ("merchantId", (GREATEST("nextActionAt", "nextActionLeaseUntil")), "id") WHERE "nextActionAt" IS NOT NULL;
