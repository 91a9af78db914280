// Runs the Prisma 6.19 migration CLI in a child process with the environment it needs offline.
import process from 'node:process';
import { spawn } from 'node:child_process';
import { cliEnvironment } from './cli-environment.mjs';
import { MIGRATE_CLI_PATH, MIGRATE_CONFIG_PATH, MIGRATIONS_DIR, REPO_ROOT, SCHEMA_PATH } from './paths.mjs';
import { dropShadowDatabases, newShadowDatabasePrefix } from './shadow-databases.mjs';

/**
 * Runs `prisma-migrate <args>` against `databaseUrl`, on `schemaPath` and `migrationsDir` (the
 * repository's by default). Resolves with the exit code and output, also when the CLI crashed.
 * Afterwards, whatever happened, drops the shadow databases the run created (a crashed WebAssembly
 * engine never disposes its adapter). `signal` aborts the run by killing the CLI outright; the
 * promise then rejects with the signal's reason, after the same cleanup. Rejects otherwise only
 * when the process cannot be started, or when the cleanup fails after a successful run.
 */
export async function runPrismaMigrate(
  args,
  { databaseUrl, schemaPath = SCHEMA_PATH, migrationsDir = MIGRATIONS_DIR, signal },
) {
  const shadowDatabasePrefix = newShadowDatabasePrefix();
  const env = {
    ...process.env,
    ...cliEnvironment({ schemaPath, migrationsDir, shadowDatabasePrefix }),
    DATABASE_URL: databaseUrl,
    // Without it 6.19 tries to download a query engine library.
    PRISMA_CLIENT_ENGINE_TYPE: 'client',
    // No telemetry or update checks: the machine has no internet.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const { error, ...run } = await runChild(
    [MIGRATE_CLI_PATH, ...args, '--config', MIGRATE_CONFIG_PATH],
    env,
    signal,
  );
  const cleanupError = await dropShadowDatabases(databaseUrl, shadowDatabasePrefix).then(
    () => undefined,
    (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
  );
  if (error) throw error;
  if (cleanupError && run.code === 0) {
    throw new Error(
      `prisma ${args[0] ?? ''} succeeded, but its shadow databases (${shadowDatabasePrefix}*) could not be dropped: ${cleanupError.message}`,
    );
  }
  if (cleanupError) {
    return {
      ...run,
      stderr: `${run.stderr}\nShadow databases ${shadowDatabasePrefix}* could not be dropped: ${cleanupError.message}\n`,
    };
  }
  return run;
}

/** Resolves once the child has exited (or failed to start): `error` set when it never ran or was aborted. */
function runChild(argv, env, signal) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Killed, not asked: a run that was given up on must not keep working on the database.
      ...(signal ? { signal, killSignal: 'SIGKILL' } : {}),
    });
    let stdout = '';
    let stderr = '';
    let error;
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    // 'close' follows 'error' both when the process could not start and when it was aborted.
    child.on('error', (cause) => (error = signal?.aborted ? (signal.reason ?? cause) : cause));
    child.on('close', (code, exitSignal) =>
      resolve({ code: code ?? (exitSignal ? 128 : 1), stdout, stderr, error }),
    );
  });
}
