// The Klarna sandbox's clock, over its SIM-ONLY HTTP controls (`/__sim/clock`,
// `/__sim/webhook-deliveries`). Rebill's virtual clock is the truth: the sandbox is only ever moved
// forward to it, never Rebill to the sandbox.
import { z } from 'zod';

export interface SandboxClock {
  /** The sandbox's current (simulated) time. */
  now(): Promise<Date>;
  /**
   * Moves the sandbox forward to `target` when it is behind; its due expiries and webhook
   * attempts have run when this resolves. A sandbox already at or past `target` is left alone.
   */
  advanceTo(target: Date): Promise<void>;
  /**
   * Webhook deliveries the sandbox still has to attempt by `now` (its own time): first attempts
   * queued or in flight, and retries already due. A retry scheduled later by Klarna's retry
   * schedule is not counted: nothing is waiting on it yet.
   */
  pendingDeliveries(now: Date): Promise<number>;
}

export interface SandboxClockOptions {
  /** The sandbox's base URL (Rebill's KLARNA_BASE_URL when it points at the sandbox). */
  readonly baseUrl: string;
  /** Sent as `Sandbox-Sim-Token` when the sandbox requires one (SANDBOX_SIM_TOKEN). */
  readonly simToken?: string | undefined;
  /** Per request; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** For an advance, which runs the sandbox's due webhook attempts before answering; default 120 s. */
  readonly advanceTimeoutMs?: number;
}

/** The sandbox could not be read or moved; the message says which call and why. */
export class SandboxClockError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SandboxClockError';
  }
}

const clockView = z.object({ now_ms: z.number() });
const deliveryList = z.object({
  deliveries: z.array(z.object({ status: z.string(), next_attempt_at: z.string().nullable() })),
});

export function createSandboxClock(opts: SandboxClockOptions): SandboxClock {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;

  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    extra: { body?: unknown; timeoutMs?: number } = {},
  ): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.simToken !== undefined) headers['sandbox-sim-token'] = opts.simToken;
    if (extra.body !== undefined) headers['content-type'] = 'application/json';
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(extra.body === undefined ? {} : { body: JSON.stringify(extra.body) }),
        signal: AbortSignal.timeout(extra.timeoutMs ?? requestTimeoutMs),
      });
    } catch (err) {
      throw new SandboxClockError(`sandbox ${what} failed: ${errorText(err)}`, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      throw new SandboxClockError(`sandbox ${what} answered ${res.status}: ${text.slice(0, 200)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SandboxClockError(`sandbox ${what} answered something other than JSON`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new SandboxClockError(`sandbox ${what} answered an unexpected shape: ${result.error.message}`);
    }
    return result.data;
  };

  const now = async (): Promise<Date> => new Date((await call('GET', '/__sim/clock', clockView)).now_ms);

  return {
    now,
    async advanceTo(target) {
      const behindMs = target.getTime() - (await now()).getTime();
      if (behindMs <= 0) return;
      await call('POST', '/__sim/clock/advance', clockView, {
        body: { seconds: behindMs / 1000 },
        timeoutMs: opts.advanceTimeoutMs ?? 120_000,
      });
    },
    async pendingDeliveries(at) {
      const lists = await Promise.all(
        ['PENDING', 'HELD'].map((status) =>
          call('GET', `/__sim/webhook-deliveries?status=${status}`, deliveryList),
        ),
      );
      return lists.flatMap((l) => l.deliveries).filter((d) => isDueBy(d, at.getTime())).length;
    },
  };
}

/**
 * PENDING without a next attempt is a first attempt queued or in flight: due now. A HELD delivery
 * waits for the sandbox's own release timer (its payment request's final state or the reorder
 * hold), which a sandbox clock advance runs before it answers, so it counts only once it has a due
 * attempt like any other.
 */
function isDueBy(d: { status: string; next_attempt_at: string | null }, atMs: number): boolean {
  if (d.next_attempt_at === null) return d.status === 'PENDING';
  return Date.parse(d.next_attempt_at) <= atMs;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
