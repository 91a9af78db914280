// Runs the Prisma 6.19 migration CLI in a child process with the environment it needs offline.
import process from 'node:process';
import { spawn } from 'node:child_process';
import { MIGRATE_CLI_PATH, MIGRATE_CONFIG_PATH, REPO_ROOT } from './paths.mjs';

/**
 * Runs `prisma-migrate <args>` against `databaseUrl`. Resolves with the exit code and output;
 * rejects only when the process cannot be started.
 */
export function runPrismaMigrate(args, { databaseUrl }) {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    // Without it 6.19 tries to download a query engine library.
    PRISMA_CLIENT_ENGINE_TYPE: 'client',
    // No telemetry or update checks: the machine has no internet.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MIGRATE_CLI_PATH, ...args, '--config', MIGRATE_CONFIG_PATH], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
