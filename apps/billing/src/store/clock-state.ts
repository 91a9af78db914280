// The shared virtual clock's one row: virtual time = real time + offsetMs. Every advance bumps
// `generation` and notifies the `rebill_clock` channel in the same transaction, so a process that
// hears the notification (or polls) reads the committed offset.
//
// updatedAt is the database's now(): it is bookkeeping about the row, not business time.
import { audit, type Actor } from './audit.js';
import { inTransaction, type Db } from './db.js';

export const CLOCK_STATE_ID = 'global';
/** LISTEN/NOTIFY channel; the payload is the new generation. */
export const CLOCK_CHANNEL = 'rebill_clock';

export interface ClockStateRow {
  readonly offsetMs: number;
  readonly generation: number;
}

interface RawClockState {
  offset_ms: bigint;
  generation: number;
}

const toRow = (r: RawClockState): ClockStateRow => ({
  offsetMs: Number(r.offset_ms),
  generation: r.generation,
});

/** Creates the row with offset 0 unless it exists; safe for any number of processes at once. */
export async function ensureClockState(db: Db): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "ClockState" (id, "offsetMs", generation, "updatedAt")
    VALUES (${CLOCK_STATE_ID}, 0, 0, now())
    ON CONFLICT (id) DO NOTHING`;
}

export async function readClockState(db: Db): Promise<ClockStateRow | null> {
  const [row] = await db.$queryRaw<RawClockState[]>`
    SELECT "offsetMs" AS offset_ms, generation FROM "ClockState" WHERE id = ${CLOCK_STATE_ID}`;
  return row ? toRow(row) : null;
}

/**
 * Moves the clock forward by `stepMs` in one transaction: offset, generation, an audit row and the
 * notification all commit together (NOTIFY is delivered at commit). `virtualNowAfter` turns the
 * new offset into the instant the audit row is dated with.
 */
export async function bumpClockState(
  db: Db,
  stepMs: number,
  opts: { readonly actor: Actor; readonly virtualNowAfter: (offsetMs: number) => Date },
): Promise<{ readonly before: ClockStateRow; readonly after: ClockStateRow }> {
  await ensureClockState(db);
  return inTransaction(db, async (tx) => {
    const [locked] = await tx.$queryRaw<RawClockState[]>`
      SELECT "offsetMs" AS offset_ms, generation FROM "ClockState" WHERE id = ${CLOCK_STATE_ID} FOR UPDATE`;
    const [bumped] = await tx.$queryRaw<RawClockState[]>`
      UPDATE "ClockState"
      SET "offsetMs" = "offsetMs" + ${stepMs}::bigint, generation = generation + 1, "updatedAt" = now()
      WHERE id = ${CLOCK_STATE_ID}
      RETURNING "offsetMs" AS offset_ms, generation`;
    if (!locked || !bumped) throw new Error('ClockState row vanished during an advance');
    const before = toRow(locked);
    const after = toRow(bumped);
    await tx.$executeRaw`SELECT pg_notify(${CLOCK_CHANNEL}, ${String(after.generation)})`;
    await audit(tx, {
      actor: opts.actor,
      merchantId: null,
      entityType: 'ClockState',
      entityId: CLOCK_STATE_ID,
      action: 'clock.advanced',
      before: { offsetMs: before.offsetMs, generation: before.generation },
      after: { offsetMs: after.offsetMs, generation: after.generation, stepMs },
      at: opts.virtualNowAfter(after.offsetMs),
    });
    return { before, after };
  });
}
