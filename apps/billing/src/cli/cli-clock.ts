// The time a one-shot CLI command writes with: wall time, or in virtual mode the shared clock's
// reading (real now + the offset in PostgreSQL). A command does not register as a role process.
import { systemClock, type Clock } from '../domain/index.js';
import { readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';

export async function cliClock(mode: 'system' | 'virtual', db: Db): Promise<Clock> {
  if (mode === 'system') return systemClock;
  const state = await readClockState(db);
  const offsetMs = state?.offsetMs ?? 0;
  return { now: () => new Date(systemClock.now().getTime() + offsetMs) };
}
