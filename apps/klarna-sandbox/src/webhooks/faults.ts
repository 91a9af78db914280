// SIM-ONLY webhook faults (PUT /__sim/webhook-faults). A PUT replaces the whole set; counters
// ("the next N attempts") count down as attempts consume them.
import { z } from 'zod';
import { DEFAULT_RECEIVER_TIMEOUT_MS } from './retry-schedule.js';

const HOUR = 3_600_000;

export const webhookFaultsBody = z.strictObject({
  /** Deliver every event `copies` times (same event_id, same bytes). */
  duplicates: z.strictObject({ copies: z.number().int().min(2).max(10) }).optional(),
  /** Hold a payment request's events, then deliver them reversed or shuffled. */
  reorder: z
    .strictObject({
      mode: z.enum(['reverse', 'shuffle']).default('reverse'),
      /** Released when the request reaches a final state, or this long after the first held event. */
      hold_ms: z
        .number()
        .int()
        .min(1)
        .max(48 * HOUR)
        .default(60_000),
    })
    .optional(),
  /** Extra simulated time before an event's first attempt. */
  delay_ms: z
    .number()
    .int()
    .min(0)
    .max(48 * HOUR)
    .optional(),
  /** Sign attempts with a wrong key: the next `next` attempts, or each attempt with probability `ratio`. */
  bad_signature: z
    .strictObject({
      next: z.number().int().min(1).max(100_000).optional(),
      ratio: z.number().min(0).max(1).optional(),
    })
    .refine((v) => v.next !== undefined || v.ratio !== undefined, { error: 'needs next or ratio' })
    .optional(),
  /** The next N attempts are not sent and count as receiver timeouts. */
  drop_first: z.number().int().min(1).max(100_000).optional(),
  /** Receiver timeout per attempt (real milliseconds); default 10 s. */
  receiver_timeout_ms: z.number().int().min(1).max(60_000).optional(),
});
export type WebhookFaultsBody = z.output<typeof webhookFaultsBody>;

export type ReorderMode = 'reverse' | 'shuffle';

export class WebhookFaults {
  private config: WebhookFaultsBody = {};
  private badSignaturesLeft = 0;
  private dropsLeft = 0;

  constructor(private readonly random: () => number = Math.random) {}

  replace(config: WebhookFaultsBody): void {
    this.config = config;
    this.badSignaturesLeft = config.bad_signature?.next ?? 0;
    this.dropsLeft = config.drop_first ?? 0;
  }

  get copies(): number {
    return this.config.duplicates?.copies ?? 1;
  }

  get reorder(): { mode: ReorderMode; holdMs: number } | undefined {
    const r = this.config.reorder;
    return r ? { mode: r.mode, holdMs: r.hold_ms } : undefined;
  }

  get delayMs(): number {
    return this.config.delay_ms ?? 0;
  }

  get receiverTimeoutMs(): number {
    return this.config.receiver_timeout_ms ?? DEFAULT_RECEIVER_TIMEOUT_MS;
  }

  /** Whether this attempt is signed with a wrong key; consumes a `next` counter first. */
  takeBadSignature(): boolean {
    if (this.badSignaturesLeft > 0) {
      this.badSignaturesLeft -= 1;
      return true;
    }
    const ratio = this.config.bad_signature?.ratio;
    return ratio !== undefined && this.random() < ratio;
  }

  /** Whether this attempt is dropped (recorded as a timeout, never sent). */
  takeDrop(): boolean {
    if (this.dropsLeft === 0) return false;
    this.dropsLeft -= 1;
    return true;
  }

  /** Reorders held events in place of a fresh array. */
  order<T>(items: readonly T[], mode: ReorderMode): T[] {
    const out = [...items];
    if (mode === 'reverse') return out.reverse();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** The configuration as given, plus what is left of the counters. */
  toJSON(): Record<string, unknown> {
    return {
      ...this.config,
      ...(this.config.bad_signature?.next !== undefined && { bad_signatures_left: this.badSignaturesLeft }),
      ...(this.config.drop_first !== undefined && { drops_left: this.dropsLeft }),
      receiver_timeout_ms: this.receiverTimeoutMs,
    };
  }
}
