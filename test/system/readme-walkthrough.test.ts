// The README's signup walk-through, run as written: its shell blocks, in order, in one bash, on a
// fresh database of their own. Only what must differ on a shared test machine changes: the ports
// (free ones instead of 3000, 3001 and 4010, through the variables the roles and the sandbox read)
// and the Redis prefix. A walk-through that no longer works fails here.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseFromTemplate,
  dropDatabase,
  testRedisKeyPrefix,
  testRedisUrl,
} from '../harness/index.js';
import { freePort } from './support/ports.js';
import { REPO_ROOT } from './support/role-process.js';

/** The ```sh blocks between the walk-through markers, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const begin = readme.indexOf('<!-- walkthrough:begin -->');
  const end = readme.indexOf('<!-- walkthrough:end -->');
  if (begin < 0 || end < begin) throw new Error('README has no walk-through markers');
  return [...readme.slice(begin, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let databaseUrl: string;
const prefix = `${testRedisKeyPrefix()}readme`;

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
});

afterAll(async () => {
  await dropDatabase(databaseUrl);
  const redis = new Redis(testRedisUrl());
  const keys = await redis.keys(`{${prefix}}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
});

describe('the README signup walk-through', () => {
  it('has its blocks in place', () => {
    const blocks = walkthroughBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it('runs as written and ends with an ACTIVE subscription', async () => {
    const [api, webhooks, sandbox] = [await freePort(), await freePort(), await freePort()];
    const script = walkthroughBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))
      .join('\n')
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${api}`)
      .replaceAll('127.0.0.1:3001', `127.0.0.1:${webhooks}`)
      .replaceAll('127.0.0.1:4010', `127.0.0.1:${sandbox}`)
      .replaceAll('/tmp/rebill-', `/tmp/rebill-readme-${process.pid}-`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      API_PORT: String(api),
      WEBHOOKS_PORT: String(webhooks),
      SANDBOX_PORT: String(sandbox),
      KLARNA_BASE_URL: `http://127.0.0.1:${sandbox}`,
    };
    const result = await runBash(`set -euo pipefail\n${script}`, env, 150_000);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("status: 'ACTIVE'");
    expect(result.output).toMatch(/state: 'COMPLETED'/);
    // A month later, the renewal: two invoices, both paid.
    expect(result.output.match(/-\d+ PAID /g) ?? []).toHaveLength(2);
  }, 180_000);
});

function runBash(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Its own process group: whatever the script left running is killed with it.
    const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT, env, detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, output });
    });
  });
}
