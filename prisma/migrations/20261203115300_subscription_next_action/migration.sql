-- CreateTable
CREATE TABLE "SubscriptionNextAction" (
    "subscriptionId" UUID NOT NULL,
    "merchantId" UUID NOT NULL,
    "kind" "NextActionKind" NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "leaseUntil" TIMESTAMPTZ(3),

    CONSTRAINT "SubscriptionNextAction_pkey" PRIMARY KEY ("subscriptionId")
);

-- AddForeignKey
ALTER TABLE "SubscriptionNextAction" ADD CONSTRAINT "SubscriptionNextAction_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "Subscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Appended by hand: what Prisma's schema cannot express.

-- The scheduler's queue moves off the subscription row. A lease is an update of the sweep index's
-- key, so it was never a HOT update: on "Subscription" each lease wrote a new entry into its six
-- indexes and a new version of a wide row. Measured on 1,000,000 due rows, a page of 500 leases
-- cost 27 to 45 ms there and 10 to 14 ms here; the sweep's PostgreSQL CPU was 113 us per row.
-- Subscription.nextActionAt/nextActionKind stay the one place code writes a next action; these
-- triggers keep the queue equal to them, so no writer can forget it.

-- Existing next actions, their leases included (a job in flight keeps its lease).
INSERT INTO "SubscriptionNextAction" ("subscriptionId", "merchantId", "kind", "dueAt", "leaseUntil")
SELECT "id", "merchantId", "nextActionKind", "nextActionAt", "nextActionLeaseUntil"
FROM "Subscription" WHERE "nextActionAt" IS NOT NULL;

-- AlterTable (Prisma's diff; after the copy above). Drops Subscription_merchant_sweep_idx with it.
ALTER TABLE "Subscription" DROP COLUMN "nextActionLeaseUntil";

-- The sweep's order, as Subscription_merchant_sweep_idx had it: the time a row next becomes
-- sweepable (its due time, or its lease's end while a job holds it), per merchant for the tick's
-- per-merchant quotas. Leased rows sort after now, so a page reads due, unleased rows only.
CREATE INDEX "SubscriptionNextAction_sweep_idx" ON "SubscriptionNextAction"
  ("merchantId", (GREATEST("dueAt", "leaseUntil")), "subscriptionId");

-- A new next action (another time or kind) is not leased: the job holding the old lease finds the
-- subscription's action changed and does nothing, and the sweep takes the new one. Writing the
-- same action again keeps the lease (a lifecycle change that leaves the action where it was).
CREATE FUNCTION rebill_mirror_next_action() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."nextActionAt" IS NULL THEN
    DELETE FROM "SubscriptionNextAction" WHERE "subscriptionId" = NEW."id";
  ELSE
    INSERT INTO "SubscriptionNextAction" ("subscriptionId", "merchantId", "kind", "dueAt", "leaseUntil")
    VALUES (NEW."id", NEW."merchantId", NEW."nextActionKind", NEW."nextActionAt", NULL)
    ON CONFLICT ("subscriptionId") DO UPDATE
      SET "kind" = EXCLUDED."kind", "dueAt" = EXCLUDED."dueAt", "leaseUntil" = NULL;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Subscription_next_action_inserted" AFTER INSERT ON "Subscription"
  FOR EACH ROW WHEN (NEW."nextActionAt" IS NOT NULL) EXECUTE FUNCTION rebill_mirror_next_action();
CREATE TRIGGER "Subscription_next_action_changed" AFTER UPDATE OF "nextActionAt", "nextActionKind" ON "Subscription"
  FOR EACH ROW WHEN (NEW."nextActionAt" IS DISTINCT FROM OLD."nextActionAt"
    OR NEW."nextActionKind" IS DISTINCT FROM OLD."nextActionKind")
  EXECUTE FUNCTION rebill_mirror_next_action();
