// What an operator can do with the clock, whichever door they come through (the CLI or the
// internal HTTP endpoint): look at it, and move it forward.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../domain/index.js';
import type { Actor } from '../store/audit.js';
import { readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { listLiveRoleProcesses, type RoleProcessRow } from '../store/role-processes.js';
import { advanceVirtualClock, LIVE_WITHIN_MS, type AdvanceOutcome } from './advance.js';
import type { ClockMode } from './process-clock.js';
import type { QuiescenceProbe } from './quiescence.js';
import type { SandboxClock } from './sandbox-clock.js';

export interface ClockView {
  readonly mode: ClockMode;
  /** Business time now: wall time in system mode, real time + offset in virtual mode. */
  readonly now: Date;
  readonly offsetMs: number;
  readonly generation: number;
  /** Live role processes (virtual mode registers them) and the generation each one runs on. */
  readonly processes: readonly RoleProcessRow[];
}

export interface ClockOperationsDeps {
  readonly db: Db;
  readonly mode: ClockMode;
  readonly sandbox: SandboxClock | null;
  readonly quiet: QuiescenceProbe;
  readonly log: Logger;
  readonly ackTimeoutMs: number;
  readonly quietTimeoutMs: number;
  readonly stepMs?: number;
  readonly realClock?: Clock;
  /** Pause between checks while an advance waits; default 100 ms. */
  readonly pollMs?: number;
}

export interface ClockOperations {
  readonly mode: ClockMode;
  show(): Promise<ClockView>;
  /** `stepMs` overrides the step (a day by default): coarser is faster, finer interleaves more. */
  advance(byMs: number, actor: Actor, options?: { readonly stepMs?: number }): Promise<AdvanceOutcome>;
}

export function createClockOperations(deps: ClockOperationsDeps): ClockOperations {
  const realClock = deps.realClock ?? systemClock;
  return {
    mode: deps.mode,
    async show() {
      const [state, processes] = await Promise.all([
        deps.mode === 'virtual' ? readClockState(deps.db) : Promise.resolve(null),
        listLiveRoleProcesses(deps.db, LIVE_WITHIN_MS),
      ]);
      const offsetMs = state?.offsetMs ?? 0;
      return {
        mode: deps.mode,
        now: new Date(realClock.now().getTime() + offsetMs),
        offsetMs,
        generation: state?.generation ?? 0,
        processes,
      };
    },
    advance(byMs, actor, options = {}) {
      const stepMs = options.stepMs ?? deps.stepMs;
      return advanceVirtualClock({
        db: deps.db,
        mode: deps.mode,
        by: byMs,
        sandbox: deps.sandbox,
        quiet: deps.quiet,
        ackTimeoutMs: deps.ackTimeoutMs,
        quietTimeoutMs: deps.quietTimeoutMs,
        log: deps.log,
        actor,
        realClock,
        ...(stepMs === undefined ? {} : { stepMs }),
        ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
      });
    },
  };
}

/** The view as JSON (for `rebill clock show` and GET /internal/clock). */
export function clockViewJson(view: ClockView): Record<string, unknown> {
  return {
    mode: view.mode,
    now: view.now.toISOString(),
    offsetMs: view.offsetMs,
    generation: view.generation,
    processes: view.processes.map((p) => ({
      id: p.id,
      role: p.role,
      pid: p.pid,
      hostname: p.hostname,
      clockGeneration: p.clockGeneration,
      startedAt: p.startedAt.toISOString(),
      lastSeenAt: p.lastSeenAt.toISOString(),
    })),
  };
}

/** A successful advance as JSON. */
export function advancedJson(
  outcome: Extract<AdvanceOutcome, { kind: 'advanced' }>,
): Record<string, unknown> {
  return {
    from: outcome.from.toISOString(),
    to: outcome.to.toISOString(),
    steps: outcome.steps,
    tookMs: outcome.tookMs,
  };
}
