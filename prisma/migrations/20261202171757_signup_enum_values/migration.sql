-- Prisma's diff for the signup billing model, split in two: PostgreSQL cannot use an enum value
-- in the transaction that adds it (the next migration defaults PaymentRequest.state to CREATING),
-- and each migration runs as one transaction.

-- AlterEnum
ALTER TYPE "ChargeAttemptStatus" ADD VALUE 'STEP_UP_REQUIRED';

-- AlterEnum
ALTER TYPE "PaymentRequestState" ADD VALUE 'CREATING';
