// Moves the shared virtual clock forward, for operators and tests (the CLI's `rebill clock
// advance` and POST /internal/clock/advance). A jump is cut into steps of at most a day, so a
// month of renewals, retries and expiries happens in order, day by day, as it would in real
// time. Each step:
//   1. bumps ClockState (offset and generation) and notifies every process, in one transaction;
//   2. moves the Klarna sandbox's clock forward to Rebill's new now (Rebill's clock is the truth);
//   3. waits until every live process has applied the new generation;
//   4. waits until nothing is due: the probe says quiet twice in a row, a short gap apart (a job
//      that just finished may enqueue the next one).
// Only then does the next step start, and the call answers after the last one.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../domain/index.js';
import type { Actor } from '../store/audit.js';
import { bumpClockState, readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { listLiveRoleProcesses, type RoleProcessRow } from '../store/role-processes.js';
import type { ClockMode } from './process-clock.js';
import type { QuiescenceProbe } from './quiescence.js';
import type { SandboxClock } from './sandbox-clock.js';

export const DAY_MS = 86_400_000;
/** A process whose heartbeat is older than this is gone, not lagging (heartbeats come every ~5 s). */
export const LIVE_WITHIN_MS = 15_000;

export interface AdvanceOptions {
  readonly db: Db;
  /** The mode this deployment runs in (CLOCK_MODE); a system clock cannot be moved. */
  readonly mode: ClockMode;
  /** How far, in milliseconds (a positive integer). */
  readonly by: number;
  /** Longest step; default one day. */
  readonly stepMs?: number;
  /** The sandbox to move along, or null when Klarna is not the sandbox. */
  readonly sandbox: SandboxClock | null;
  readonly quiet: QuiescenceProbe;
  readonly ackTimeoutMs: number;
  readonly quietTimeoutMs: number;
  readonly log: Logger;
  /** Who asked (recorded in the audit trail). */
  readonly actor: Actor;
  readonly realClock?: Clock;
  readonly liveWithinMs?: number;
  /** Pause between checks while waiting for acknowledgements or work; default 100 ms. */
  readonly pollMs?: number;
  /** Gap between the two quiet checks that end a step; default 250 ms. */
  readonly quietGapMs?: number;
}

/** Where a failed advance left the clock: steps already taken stay (time never moves back). */
export interface AdvanceProgress {
  readonly from: Date;
  readonly reached: Date;
  readonly steps: number;
}

export type AdvanceOutcome =
  | {
      readonly kind: 'advanced';
      readonly from: Date;
      readonly to: Date;
      readonly steps: number;
      readonly tookMs: number;
    }
  | { readonly kind: 'invalid'; readonly field: string; readonly message: string }
  | { readonly kind: 'system-mode'; readonly message: string }
  | ({ readonly kind: 'sandbox-failed'; readonly message: string } & AdvanceProgress)
  | ({
      readonly kind: 'lagging';
      readonly message: string;
      readonly generation: number;
      readonly laggards: readonly RoleProcessRow[];
    } & AdvanceProgress)
  | ({ readonly kind: 'busy'; readonly message: string; readonly busy: readonly string[] } & AdvanceProgress);

export async function advanceVirtualClock(opts: AdvanceOptions): Promise<AdvanceOutcome> {
  const stepMs = opts.stepMs ?? DAY_MS;
  if (!Number.isSafeInteger(opts.by) || opts.by <= 0) {
    return { kind: 'invalid', field: 'by', message: 'must be a positive whole number of milliseconds' };
  }
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) {
    return { kind: 'invalid', field: 'stepMs', message: 'must be a positive whole number of milliseconds' };
  }
  if (opts.mode !== 'virtual') {
    return {
      kind: 'system-mode',
      message: 'the clock runs in system mode (wall time) and cannot be moved; set CLOCK_MODE=virtual',
    };
  }
  const realClock = opts.realClock ?? systemClock;
  const pollMs = opts.pollMs ?? 100;
  const realMs = (): number => realClock.now().getTime();
  const startedMs = realMs();
  const startOffset = (await readClockState(opts.db))?.offsetMs ?? 0;
  const from = new Date(startedMs + startOffset);
  const log = opts.log.child({ component: 'clock-advance' });

  let steps = 0;
  let remaining = opts.by;
  while (remaining > 0) {
    const step = Math.min(stepMs, remaining);
    const { after } = await bumpClockState(opts.db, step, {
      actor: opts.actor,
      virtualNowAfter: (offsetMs) => new Date(realMs() + offsetMs),
    });
    remaining -= step;
    steps += 1;
    const progress = (): AdvanceProgress => ({
      from,
      reached: new Date(from.getTime() + opts.by - remaining),
      steps,
    });
    const virtualNow = (): Date => new Date(realMs() + after.offsetMs);
    log.info({ step: steps, generation: after.generation, now: virtualNow() }, 'virtual clock stepped');

    if (opts.sandbox) {
      try {
        await opts.sandbox.advanceTo(virtualNow());
      } catch (err) {
        const message = `could not move the sandbox's clock: ${err instanceof Error ? err.message : String(err)}`;
        return { kind: 'sandbox-failed', message, ...progress() };
      }
    }

    const laggards = await waitForAcks(opts, after.generation, { pollMs, realMs });
    if (laggards.length > 0) {
      const names = laggards.map(describeProcess).join(', ');
      const message = `processes did not apply clock generation ${after.generation} within ${opts.ackTimeoutMs} ms: ${names}`;
      return { kind: 'lagging', message, generation: after.generation, laggards, ...progress() };
    }

    const busy = await waitForQuiet(opts, virtualNow, { pollMs, realMs });
    if (busy.length > 0) {
      const message = `work still due after ${opts.quietTimeoutMs} ms: ${busy.join('; ')}`;
      return { kind: 'busy', message, busy, ...progress() };
    }
  }
  const tookMs = realMs() - startedMs;
  log.info({ from, steps, tookMs }, 'virtual clock advanced');
  return { kind: 'advanced', from, to: new Date(from.getTime() + opts.by), steps, tookMs };
}

interface Waiting {
  readonly pollMs: number;
  /** Real time: deadlines are about how long a person waits, not business time. */
  readonly realMs: () => number;
}

/** Live processes still below `generation` when the ack timeout ran out; empty once all applied it. */
async function waitForAcks(
  opts: AdvanceOptions,
  generation: number,
  { pollMs, realMs }: Waiting,
): Promise<RoleProcessRow[]> {
  const deadline = realMs() + opts.ackTimeoutMs;
  for (;;) {
    const live = await listLiveRoleProcesses(opts.db, opts.liveWithinMs ?? LIVE_WITHIN_MS);
    const laggards = live.filter((p) => p.clockGeneration < generation);
    if (laggards.length === 0 || realMs() >= deadline) return laggards;
    await sleep(pollMs);
  }
}

/** The busy reasons when the quiet timeout ran out; empty once quiet twice in a row. */
async function waitForQuiet(
  opts: AdvanceOptions,
  virtualNow: () => Date,
  { pollMs, realMs }: Waiting,
): Promise<readonly string[]> {
  const deadline = realMs() + opts.quietTimeoutMs;
  let quietOnce = false;
  for (;;) {
    const report = await opts.quiet.check(virtualNow());
    if (report.quiet && quietOnce) return [];
    if (!report.quiet && realMs() >= deadline) return report.busy;
    quietOnce = report.quiet;
    await sleep(report.quiet ? (opts.quietGapMs ?? 250) : pollMs);
  }
}

function describeProcess(p: RoleProcessRow): string {
  return `${p.role} (pid ${p.pid} on ${p.hostname}, at generation ${p.clockGeneration})`;
}

// Real waiting for real processes: these pauses are not business time.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
