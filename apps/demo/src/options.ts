// The demo's command line: `npm start -- [--short] [--real-time] [--customers N] [--months N] [--seed S]`.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

export interface DemoOptions {
  /** A few dozen customers over a few months, then exit (what the test runs). */
  readonly short: boolean;
  /** The system clock: nothing is advanced, renewals happen as time passes (a daily plan). */
  readonly realTime: boolean;
  readonly customers: number;
  readonly months: number;
  readonly seed: number;
}

export type ParsedOptions =
  | { readonly kind: 'run'; readonly options: DemoOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage_error'; readonly message: string };

export const USAGE = `Usage: npm start -- [options]

  --short          a few dozen customers over three months, then exit
  --real-time      the system clock: signs customers up on a daily plan and lets time pass
  --customers N    customers to sign up (default 300; --short 40)
  --months N       simulated months (default 12; --short 3; 1 to 24)
  --seed S         seed of the customers' behaviour (default: random, printed)
  -h, --help       this text

Ports: API_PORT (3000), WEBHOOKS_PORT (3001), SANDBOX_PORT (4010). Ctrl-C stops every process.
`;

const DEFAULTS = { full: { customers: 300, months: 12 }, short: { customers: 40, months: 3 } } as const;

export function parseOptions(argv: readonly string[], pickSeed: () => number = defaultSeed): ParsedOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        short: { type: 'boolean' },
        'real-time': { type: 'boolean' },
        customers: { type: 'string' },
        months: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage_error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const short = values.short === true;
  const realTime = values['real-time'] === true;
  if (short && realTime)
    return { kind: 'usage_error', message: '--short and --real-time exclude each other' };
  const defaults = short ? DEFAULTS.short : DEFAULTS.full;
  const customers = wholeNumber('--customers', values.customers, defaults.customers, 1, 5_000);
  if (typeof customers === 'string') return { kind: 'usage_error', message: customers };
  const months = wholeNumber('--months', values.months, defaults.months, 1, 24);
  if (typeof months === 'string') return { kind: 'usage_error', message: months };
  const seed = wholeNumber('--seed', values.seed, pickSeed(), 0, 2 ** 32 - 1);
  if (typeof seed === 'string') return { kind: 'usage_error', message: seed };
  return { kind: 'run', options: { short, realTime, customers, months, seed } };
}

/** The value as a whole number within bounds, or the message saying what is wrong. */
function wholeNumber(
  flag: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number | string {
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    return `${flag} must be a whole number from ${min} to ${max} (got "${raw}")`;
  }
  return value;
}

function defaultSeed(): number {
  return randomInt(0, 1_000_000);
}
