// Idempotency-Key records of the merchant API. A request claims its key before it runs: the first
// one inserts the record (answer null, locked until `lockedUntil`), a repeat of a finished request
// gets the stored answer, a repeat while the first still runs gets `in_flight`, and another request
// under the same key gets `mismatch`. A lock that ran out (the process died, or a 5xx released it)
// is taken over by the next request, which also learns the `resourceId` the failed one left.
import type { Db, DbOrTx } from './db.js';
import { isUniqueViolation } from './database-errors.js';
import type { Prisma } from './generated/prisma/client.js';

export interface ClaimInput {
  readonly merchantId: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly requestHash: string;
  readonly at: Date;
  /** How long the claim holds before another request may take it over. */
  readonly lockMs: number;
  /** How long the answer is replayed (24 h). */
  readonly ttlMs: number;
}

/** Proof of a claim: completing or releasing checks the lock is still this request's. */
export interface IdempotencyClaim {
  readonly recordId: string;
  readonly lockedUntil: Date;
  /** The resource a failed earlier run of this request created (e.g. a subscription). */
  readonly resourceId: string | null;
}

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly claim: IdempotencyClaim }
  | { readonly kind: 'replay'; readonly status: number; readonly body: Prisma.JsonValue }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'mismatch' };

const MAX_ROUNDS = 4;

export async function claimIdempotencyKey(db: Db, input: ClaimInput): Promise<ClaimResult> {
  const lockedUntil = new Date(input.at.getTime() + input.lockMs);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const created = await insertRecord(db, input, lockedUntil);
    if (created !== null)
      return { kind: 'claimed', claim: { recordId: created, lockedUntil, resourceId: null } };

    const existing = await db.apiIdempotencyRecord.findUnique({
      where: { merchantId_key: { merchantId: input.merchantId, key: input.key } },
    });
    if (existing === null) continue; // deleted since the insert failed: insert again
    if (existing.expiresAt <= input.at) {
      // Expired records are deleted lazily, when their key comes back.
      await db.apiIdempotencyRecord.deleteMany({ where: { id: existing.id, expiresAt: { lte: input.at } } });
      continue;
    }
    if (existing.requestHash !== input.requestHash) return { kind: 'mismatch' };
    if (existing.responseStatus !== null) {
      return { kind: 'replay', status: existing.responseStatus, body: existing.responseBody };
    }
    if (existing.lockedUntil !== null && existing.lockedUntil > input.at) return { kind: 'in_flight' };
    const taken = await db.apiIdempotencyRecord.updateMany({
      where: {
        id: existing.id,
        responseStatus: null,
        OR: [{ lockedUntil: null }, { lockedUntil: { lte: input.at } }],
      },
      data: { lockedUntil },
    });
    if (taken.count === 1) {
      return {
        kind: 'claimed',
        claim: { recordId: existing.id, lockedUntil, resourceId: existing.resourceId },
      };
    }
    // Someone else took it over or finished it in between: look again.
  }
  return { kind: 'in_flight' };
}

async function insertRecord(db: Db, input: ClaimInput, lockedUntil: Date): Promise<string | null> {
  try {
    const record = await db.apiIdempotencyRecord.create({
      data: {
        merchantId: input.merchantId,
        key: input.key,
        method: input.method,
        path: input.path,
        requestHash: input.requestHash,
        lockedUntil,
        createdAt: input.at,
        expiresAt: new Date(input.at.getTime() + input.ttlMs),
      },
      select: { id: true },
    });
    return record.id;
  } catch (error) {
    if (isUniqueViolation(error, 'ApiIdempotencyRecord_merchantId_key_key')) return null;
    throw error;
  }
}

/** Stores the final answer (2xx or 4xx) for replays. False when the claim was lost meanwhile. */
export async function completeIdempotencyClaim(
  db: Db,
  claim: IdempotencyClaim,
  answer: { status: number; body: Prisma.InputJsonValue | null },
): Promise<boolean> {
  const { count } = await db.apiIdempotencyRecord.updateMany({
    where: { id: claim.recordId, responseStatus: null, lockedUntil: claim.lockedUntil },
    data: {
      responseStatus: answer.status,
      ...(answer.body === null ? {} : { responseBody: answer.body }),
      lockedUntil: null,
    },
  });
  return count === 1;
}

/** Frees the key after an answer that must not be replayed (5xx); `resourceId` stays. */
export async function releaseIdempotencyClaim(db: Db, claim: IdempotencyClaim): Promise<void> {
  await db.apiIdempotencyRecord.updateMany({
    where: { id: claim.recordId, responseStatus: null, lockedUntil: claim.lockedUntil },
    data: { lockedUntil: null },
  });
}

/** Deletes up to `limit` expired records (for a periodic janitor); returns how many. */
export async function deleteExpiredIdempotencyRecords(db: Db, at: Date, limit = 1000): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "ApiIdempotencyRecord"
    WHERE id IN (SELECT id FROM "ApiIdempotencyRecord" WHERE "expiresAt" <= ${at} LIMIT ${limit})`;
}

/**
 * Names the resource a request created (the signup service calls it in the transaction that
 * creates the subscription), so a retry after a failure resumes that resource.
 */
export async function setIdempotencyResource(
  db: DbOrTx,
  recordId: string,
  resourceId: string,
): Promise<void> {
  await db.apiIdempotencyRecord.update({ where: { id: recordId }, data: { resourceId } });
}
