// The reorder fault (SIM-ONLY): a payment request's events are held per webhook and released
// reversed or shuffled once the request reaches a final state, or `holdMs` of simulated time after
// the first held event.
import type { SimTimer } from '../clock.js';
import type { Delivery } from './delivery-log.js';
import type { ReorderMode } from './faults.js';

const FINAL_REQUEST_STATES: ReadonlySet<unknown> = new Set(['COMPLETED', 'DECLINED', 'EXPIRED', 'CANCELED']);

/** A payment request in one of these states has no more events: its held events go out. */
export const isFinalRequestState = (state: unknown): boolean => FINAL_REQUEST_STATES.has(state);

interface HeldGroup {
  deliveries: Delivery[];
  mode: ReorderMode;
  timer: SimTimer;
}

export interface HeldEventsDeps {
  now: () => number;
  /** A clock timer the dispatcher cancels on reset and close. */
  schedule: (dueAt: number, fn: () => Promise<void>) => SimTimer;
  /** Puts the deliveries in the release order. */
  order: (deliveries: readonly Delivery[], mode: ReorderMode) => Delivery[];
  /** Queues a delivery's first attempt. */
  release: (d: Delivery) => Promise<void>;
}

export class HeldEvents {
  private readonly held = new Map<string, HeldGroup>();

  constructor(private readonly deps: HeldEventsDeps) {}

  /** Holds `group` under `key` (webhook and payment request); `final` releases the key's events at once. */
  hold(key: string, group: Delivery[], reorder: { mode: ReorderMode; holdMs: number }, final: boolean): void {
    for (const d of group) d.status = 'HELD';
    const existing = this.held.get(key);
    if (existing) {
      existing.deliveries.push(...group);
    } else {
      const timer = this.deps.schedule(this.deps.now() + reorder.holdMs, () => this.release(key));
      this.held.set(key, { deliveries: group, mode: reorder.mode, timer });
    }
    if (final) void this.release(key);
  }

  /** Releases every held group now (the fault set changed). */
  releaseAll(): void {
    for (const key of [...this.held.keys()]) void this.release(key);
  }

  /** Forgets the held events without sending them (reset, close). */
  drop(): void {
    for (const group of this.held.values()) group.timer.cancel();
    this.held.clear();
  }

  private async release(key: string): Promise<void> {
    const group = this.held.get(key);
    if (!group) return;
    this.held.delete(key);
    group.timer.cancel();
    const ordered = this.deps.order(group.deliveries, group.mode);
    await Promise.all(ordered.map((d) => this.deps.release(d)));
  }
}
