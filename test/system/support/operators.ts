// Dashboard operators made the way an operator makes them: `rebill operator create ... --password-stdin`
// as a real process, the password written to its stdin (never in argv).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from './role-process.js';
import type { World } from './world.js';

export interface TestOperator {
  readonly email: string;
  readonly password: string;
  readonly role: 'admin' | 'viewer';
}

export async function createOperatorWithCli(world: World, role: 'admin' | 'viewer'): Promise<TestOperator> {
  const email = `${role}-${randomBytes(3).toString('hex')}@ops.example`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'apps/billing/src/main.ts',
      'operator',
      'create',
      '--email',
      email,
      '--role',
      role,
      '--password-stdin',
    ],
    { cwd: REPO_ROOT, env: world.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stdin.end(`${password}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`operator create ${role} failed (${String(code)}):\n${output}`);
  return { email, password, role };
}
