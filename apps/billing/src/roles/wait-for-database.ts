// A role that starts while PostgreSQL is down or restarting (an orchestrator starts everything at
// once; a database fails over) waits for it with back-off instead of exiting at the first refused
// connection, and says once what it is waiting for. It gives up after `timeoutMs`; a failure that
// waiting cannot cure (a wrong password, a missing database) stops it at once.
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { isDatabaseUnavailable, pingDatabase } from '../store/health.js';

export interface WaitForDatabaseOptions {
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly sleep: (ms: number) => Promise<void>;
}

export async function waitForDatabase(db: Db, opts: WaitForDatabaseOptions): Promise<void> {
  // Real time: the wait is for a server, whatever the virtual clock says.
  const nowMs = Date.now;
  const deadline = nowMs() + opts.timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await pingDatabase(db);
      if (attempt > 0) opts.log.info({ attempts: attempt + 1 }, 'PostgreSQL answers');
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || nowMs() >= deadline) throw error;
      if (attempt === 0) {
        opts.log.warn(
          { err: error, timeoutMs: opts.timeoutMs },
          'PostgreSQL does not answer yet; waiting for it',
        );
      }
      await opts.sleep(Math.min(200 * 2 ** attempt, 2_000, Math.max(0, deadline - nowMs())));
    }
  }
}
