// "Nothing left to do at this instant": what a clock advance waits for before it takes the next
// step or answers. Busy while PostgreSQL still holds due work a sweep would pick up (next actions,
// webhook events, charges' money work), while any queue holds a job not yet finished, or while the
// sandbox still has webhook attempts due.
import { Queue } from 'bullmq';
import type { ConnectionOptions, JobType } from 'bullmq';
import { QUEUES } from '../queue/catalog.js';
import type { Db } from '../store/db.js';
import { countDueChargeMoney } from '../store/charge-money.js';
import { countDueNextActions } from '../store/next-actions.js';
import { countDueWebhookEvents } from '../store/webhook-events.js';
import type { SandboxClock } from './sandbox-clock.js';

export interface QuiescenceReport {
  readonly quiet: boolean;
  /** One line per reason, e.g. `subscriptions queue: 3 waiting`. Empty when quiet. */
  readonly busy: readonly string[];
}

export interface QuiescenceProbe {
  /** `now` is Rebill's (virtual) time: work due by then counts as busy. */
  check(now: Date): Promise<QuiescenceReport>;
  /** Closes the probe's queue handles (not the Redis connection it was given). */
  close(): Promise<void>;
}

export interface QuiescenceProbeOptions {
  readonly db: Db;
  /** A connection BullMQ can use (an ioredis instance is shared, not closed by close()). */
  readonly redis: ConnectionOptions;
  /** The BullMQ prefix the roles use (`bullPrefix(REDIS_PREFIX)`). */
  readonly bullPrefix: string;
  readonly sandbox: SandboxClock | null;
}

/** Job states that mean work is still to be done (completed and failed jobs are finished). */
const UNFINISHED: readonly JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'];

export function createQuiescenceProbe(opts: QuiescenceProbeOptions): QuiescenceProbe {
  const queues = Object.values(QUEUES).map(
    (name) => new Queue(name, { connection: opts.redis, prefix: opts.bullPrefix }),
  );

  const dueNextActions = async (now: Date): Promise<string[]> => {
    const n = await countDueNextActions(opts.db, now);
    return n > 0 ? [`subscription next actions: ${n} due`] : [];
  };

  const dueWebhookEvents = async (now: Date): Promise<string[]> => {
    const n = await countDueWebhookEvents(opts.db, now);
    return n > 0 ? [`webhook events: ${n} due to apply`] : [];
  };

  const dueChargeMoney = async (now: Date): Promise<string[]> => {
    const n = await countDueChargeMoney(opts.db, now);
    return n > 0 ? [`charges: ${n} with money work due`] : [];
  };

  const queueWork = async (queue: Queue): Promise<string[]> => {
    const counts = await queue.getJobCounts(...UNFINISHED);
    const parts = UNFINISHED.flatMap((state) => {
      const n = counts[state] ?? 0;
      return n > 0 ? [`${n} ${state}`] : [];
    });
    return parts.length > 0 ? [`${queue.name} queue: ${parts.join(', ')}`] : [];
  };

  const sandboxDeliveries = async (sandbox: SandboxClock): Promise<string[]> => {
    // The sandbox's own time: it attempts what is due by its clock.
    const n = await sandbox.pendingDeliveries(await sandbox.now());
    return n > 0 ? [`sandbox: ${n} webhook deliveries due`] : [];
  };

  // A check that cannot be made is a reason too: "quiet" must never be a guess.
  const reasonOr = (what: string, check: Promise<string[]>): Promise<string[]> =>
    check.catch((err: unknown) => [
      `${what}: could not check (${err instanceof Error ? err.message : String(err)})`,
    ]);

  return {
    async check(now) {
      const lists = await Promise.all([
        reasonOr('subscription next actions', dueNextActions(now)),
        reasonOr('webhook events', dueWebhookEvents(now)),
        reasonOr('charges', dueChargeMoney(now)),
        ...queues.map((q) => reasonOr(`${q.name} queue`, queueWork(q))),
        ...(opts.sandbox ? [reasonOr('sandbox', sandboxDeliveries(opts.sandbox))] : []),
      ]);
      const busy = lists.flat();
      return { quiet: busy.length === 0, busy };
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
