// A `rebill` CLI command run to its end (e.g. `merchant create`), as `npm run rebill -- ...` would.
import { execFile } from 'node:child_process';
import { REPO_ROOT } from './child.js';

/** Runs the command with `input` as its whole stdin (a password never goes on the command line). */
export function rebillCommand(args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'apps/billing/src/main.ts', ...args],
      { cwd: REPO_ROOT, env, timeout: 120_000 },
      (error, stdout) => {
        if (error) reject(new Error(`rebill ${args.slice(0, 2).join(' ')} failed: ${error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input);
  });
}
