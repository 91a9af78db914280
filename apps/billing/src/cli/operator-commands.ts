// `rebill operator create --email <e> --role admin|viewer [--password-stdin]` and
// `rebill operator disable --email <e>`. The password never comes from argv (argv shows in `ps`):
// it is read from stdin with --password-stdin, or prompted for without echo on a terminal.
// Exit codes: 0 done, 1 refused (email taken, no such operator), 2 bad usage.
import { parseArgs } from 'node:util';
import type { Clock } from '../domain/clock.js';
import { hashPassword, passwordProblem } from '../operators/password.js';
import { systemActor } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { createOperator, disableOperator, type OperatorRole } from '../store/operators.js';

export interface OperatorCommandDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** The password: all of stdin (--password-stdin), or a prompt without echo. */
  readonly readPassword: (source: 'stdin' | 'prompt') => Promise<string>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const OPERATOR_USAGE = `Usage: rebill operator create --email <email> --role admin|viewer [--password-stdin]
       rebill operator disable --email <email>

  create   a dashboard operator; the password (at least 12 characters) is read from stdin with
           --password-stdin (e.g. printf '%s' "$PW" | rebill operator create ... --password-stdin),
           or prompted for on a terminal. Never pass it as an argument.
  disable  the operator can no longer sign in; their sessions end at once.
`;

const ROLES: Record<string, OperatorRole> = { admin: 'ADMIN', viewer: 'VIEWER' };
const EMAIL = /^[^\s@]+@[^\s@]+$/;

type Parsed =
  | { kind: 'create'; email: string; role: OperatorRole; passwordStdin: boolean }
  | { kind: 'disable'; email: string }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

export function parseOperatorArgs(argv: readonly string[]): Parsed {
  const [sub, ...rest] = argv;
  let values: { email?: string; role?: string; 'password-stdin'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        role: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage_error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true || sub === undefined) return { kind: 'help' };
  const email = values.email?.trim().toLowerCase();
  if (email === undefined || !EMAIL.test(email) || email.length > 254) {
    return { kind: 'usage_error', message: '--email is required and must be an email address' };
  }
  if (sub === 'disable') return { kind: 'disable', email };
  if (sub !== 'create') return { kind: 'usage_error', message: `unknown command "${sub}"` };
  const role = ROLES[values.role ?? ''];
  if (role === undefined) return { kind: 'usage_error', message: '--role must be admin or viewer' };
  return { kind: 'create', email, role, passwordStdin: values['password-stdin'] === true };
}

export async function runOperatorCommand(
  argv: readonly string[],
  deps: OperatorCommandDeps,
): Promise<number> {
  const parsed = parseOperatorArgs(argv);
  if (parsed.kind === 'help') {
    deps.stdout.write(OPERATOR_USAGE);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    deps.stderr.write(`rebill operator: ${parsed.message}\n\n${OPERATOR_USAGE}`);
    return 2;
  }
  const actor = systemActor('cli');
  if (parsed.kind === 'disable') {
    const result = await disableOperator(deps.db, { email: parsed.email, actor, at: deps.clock.now() });
    if (result.kind !== 'disabled') {
      deps.stderr.write(
        `rebill operator disable: ${parsed.email} ${result.kind === 'not_found' ? 'is no operator' : 'is already disabled'}\n`,
      );
      return 1;
    }
    deps.stdout.write(
      `${JSON.stringify({ operator_id: result.operator.id, email: parsed.email, disabled: true })}\n`,
    );
    return 0;
  }
  const password = (await deps.readPassword(parsed.passwordStdin ? 'stdin' : 'prompt')).replace(/\r?\n$/, '');
  const problem = passwordProblem(password);
  if (problem !== null) {
    deps.stderr.write(`rebill operator create: the password must have ${problem}; nothing was created\n`);
    return 2;
  }
  const result = await createOperator(deps.db, {
    email: parsed.email,
    role: parsed.role,
    password: await hashPassword(password),
    actor,
    at: deps.clock.now(),
  });
  if (result.kind === 'duplicate_email') {
    deps.stderr.write(
      `rebill operator create: ${parsed.email} is already an operator; nothing was created\n`,
    );
    return 1;
  }
  const { operator } = result;
  deps.stdout.write(
    `${JSON.stringify({ operator_id: operator.id, email: operator.email, role: operator.role }, null, 2)}\n`,
  );
  return 0;
}
