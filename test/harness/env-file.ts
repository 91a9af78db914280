// The repository's `.env` (see .env.example), read with Node's own loader before the harness looks
// for its servers. Variables already set in the environment keep their values.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ENV_FILE = fileURLToPath(new URL('../../.env', import.meta.url));

/** Loads `path` into process.env when it exists; returns whether it did. */
export function loadEnvFileIfPresent(path: string = REPOSITORY_ENV_FILE): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
