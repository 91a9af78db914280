// Runs `node prisma/tools/db.mjs ...` (what `npm run db:migrate:*` runs) and reports how it exited.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DB_TOOL = fileURLToPath(new URL('../../prisma/tools/db.mjs', import.meta.url));

export interface DbToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runDbTool(args: readonly string[], databaseUrl: string): Promise<DbToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DB_TOOL, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
