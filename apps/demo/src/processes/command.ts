// A `rebill` CLI command run to its end (e.g. `merchant create`), as `npm run rebill -- ...` would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from './child.js';

const run = promisify(execFile);

export async function rebillCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/billing/src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    timeout: 120_000,
  });
  return stdout;
}
