-- AlterTable
ALTER TABLE "Capture" ADD COLUMN     "failureCode" TEXT,
ADD COLUMN     "lastSentAt" TIMESTAMPTZ(3),
ADD COLUMN     "sendCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Charge" ADD COLUMN     "captureDueAt" TIMESTAMPTZ(3),
ADD COLUMN     "expiryAlertedAt" TIMESTAMPTZ(3),
ADD COLUMN     "moneyActionAt" TIMESTAMPTZ(3),
ADD COLUMN     "moneyLeaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "readRequestedAt" TIMESTAMPTZ(3),
ADD COLUMN     "releasedMinor" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "voidRequestedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "PlanVersion" ADD COLUMN     "captureDelaySeconds" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "captureMode" "CaptureMode" NOT NULL DEFAULT 'NOW';

-- AlterTable
ALTER TABLE "Refund" ADD COLUMN     "failureCode" TEXT,
ADD COLUMN     "lastSentAt" TIMESTAMPTZ(3),
ADD COLUMN     "sendCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Void" ADD COLUMN     "failureCode" TEXT,
ADD COLUMN     "lastSentAt" TIMESTAMPTZ(3),
ADD COLUMN     "releasedMinor" INTEGER,
ADD COLUMN     "sendCount" INTEGER NOT NULL DEFAULT 0;

-- Appended by hand: what Prisma's schema cannot express.

-- NOW captures in the authorize call, so it has no delay; LATER captures before Klarna's
-- authorization lifetime (28 days, CONTRACT.md §18.2 INFERRED) less the one-day margin.
ALTER TABLE "PlanVersion" ADD CONSTRAINT "PlanVersion_capture_check"
  CHECK (("captureMode" = 'NOW' AND "captureDelaySeconds" = 0)
      OR ("captureMode" = 'LATER' AND "captureDelaySeconds" >= 0 AND "captureDelaySeconds" <= 27 * 86400));

-- Money never exceeds the authorization: captured plus released is at most the amount.
ALTER TABLE "Charge" ADD CONSTRAINT "Charge_released_check"
  CHECK ("releasedMinor" >= 0 AND "capturedMinor" + "releasedMinor" <= "amountMinor");
ALTER TABLE "Void" ADD CONSTRAINT "Void_released_check" CHECK ("releasedMinor" IS NULL OR "releasedMinor" >= 0);
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_sends_check" CHECK ("sendCount" >= 0);
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_sends_check" CHECK ("sendCount" >= 0);
ALTER TABLE "Void" ADD CONSTRAINT "Void_sends_check" CHECK ("sendCount" >= 0);
-- A money operation is FAILED with Klarna's reason, and only then.
ALTER TABLE "Capture" ADD CONSTRAINT "Capture_failure_check" CHECK (("status" = 'FAILED') = ("failureCode" IS NOT NULL));
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_failure_check" CHECK (("status" = 'FAILED') = ("failureCode" IS NOT NULL));
ALTER TABLE "Void" ADD CONSTRAINT "Void_failure_check" CHECK (("status" = 'FAILED') = ("failureCode" IS NOT NULL));

-- At most one capture and one void of a charge are open at a time: each is sent, then settled,
-- before another is written (one idempotency key per business operation). Refunds may overlap:
-- each reserves its amount from what is refundable when it is written.
CREATE UNIQUE INDEX "Capture_one_open_idx" ON "Capture" ("chargeId") WHERE "status" IN ('PENDING', 'UNKNOWN');
CREATE UNIQUE INDEX "Void_one_open_idx" ON "Void" ("chargeId") WHERE "status" IN ('PENDING', 'UNKNOWN');

-- The money sweep: charges whose next money work is due, in the order they become sweepable
-- (their action's time, or their lease's end while a job holds them); see the subscription sweep.
CREATE INDEX "Charge_money_sweep_idx" ON "Charge"
  ((GREATEST("moneyActionAt", "moneyLeaseUntil")), "id") WHERE "moneyActionAt" IS NOT NULL;
-- Authorizations still open, for the expiry janitor.
CREATE INDEX "Charge_authorized_expiry_idx" ON "Charge" ("expiresAt", "id") WHERE "state" = 'AUTHORIZED';
