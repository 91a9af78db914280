-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "paidThroughPeriodIndex" INTEGER,
ADD COLUMN     "pastDuePeriodIndex" INTEGER;
