// `rebill clock show` and `rebill clock advance <duration>`. The composition root (main.ts) builds
// the ClockOperations and hands over the arguments after `clock`; this returns the exit code:
// 0 done, 2 usage (a bad command or duration), 1 failure (system mode, processes lagging, work
// still busy, the sandbox unreachable), with what went wrong on stderr.
import type { Actor } from '../store/audit.js';
import { parseDuration, parseStep } from '../clock/duration.js';
import { advancedJson, clockViewJson, type ClockOperations } from '../clock/operations.js';

export interface ClockCommandDeps {
  readonly ops: ClockOperations;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Recorded in the audit trail; default the operator "cli". */
  readonly actor?: Actor;
}

export const CLOCK_USAGE = `usage:
  rebill clock show                 print the clock (mode, now, offset, generation, live processes) as JSON
  rebill clock advance <duration> [--step <duration>]
                                    move the virtual clock forward, a day (or the step) at a time, and wait until
                                    every process runs on it and nothing is due
durations: ISO-8601 (P1D, PT2H, P2DT12H, P1W) or short forms (90s, 15m, 2h, 30d); no months or years`;

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export async function runClockCommand(argv: readonly string[], deps: ClockCommandDeps): Promise<number> {
  const [command, ...rest] = argv;
  const usage = (problem: string): number => {
    deps.stderr(`rebill clock: ${problem}\n${CLOCK_USAGE}\n`);
    return EXIT.usage;
  };
  switch (command) {
    case 'show':
      if (rest.length > 0) return usage(`show takes no arguments, got "${rest.join(' ')}"`);
      deps.stdout(`${JSON.stringify(clockViewJson(await deps.ops.show()), null, 2)}\n`);
      return EXIT.ok;
    case 'advance':
      return advance(rest, deps, usage);
    case '--help':
    case '-h':
    case 'help':
      deps.stdout(`${CLOCK_USAGE}\n`);
      return EXIT.ok;
    case undefined:
      return usage('missing a command');
    default:
      return usage(`unknown command "${command}"`);
  }
}

async function advance(
  args: readonly string[],
  deps: ClockCommandDeps,
  usage: (problem: string) => number,
): Promise<number> {
  const [by, flag, stepText, ...extra] = args;
  if (
    by === undefined ||
    (flag !== undefined && (flag !== '--step' || stepText === undefined)) ||
    extra.length > 0
  ) {
    return usage(
      'advance takes one duration and optionally a step, e.g. "rebill clock advance P30D --step P3D"',
    );
  }
  const duration = parseDuration(by, 'duration');
  if (!duration.ok) return usage(`${duration.field}: ${duration.message}`);
  const step = stepText === undefined ? undefined : parseStep(stepText, 'step');
  if (step !== undefined && !step.ok) return usage(`${step.field}: ${step.message}`);
  const outcome = await deps.ops.advance(
    duration.ms,
    deps.actor ?? { kind: 'OPERATOR', id: 'cli' },
    step === undefined ? {} : { stepMs: step.ms },
  );
  switch (outcome.kind) {
    case 'advanced':
      deps.stdout(`${JSON.stringify(advancedJson(outcome), null, 2)}\n`);
      return EXIT.ok;
    case 'invalid':
      return usage(`${outcome.field}: ${outcome.message}`);
    case 'system-mode':
      deps.stderr(`rebill clock: ${outcome.message}\n`);
      return EXIT.failure;
    case 'sandbox-failed':
    case 'lagging':
    case 'busy':
      deps.stderr(
        `rebill clock: ${outcome.message}\n` +
          `steps taken stay: the clock moved ${outcome.steps} step(s), to ${outcome.reached.toISOString()}\n`,
      );
      return EXIT.failure;
  }
}
