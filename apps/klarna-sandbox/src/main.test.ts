// `npm run sandbox` as a real process: prints how to use it, serves, stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, out: () => stdout, err: () => stderr };
}

describe('main', () => {
  it('prints base URL, API key, account and webhook setup; exits 0 on SIGTERM', async () => {
    const { child, out } = start({ SANDBOX_API_KEY: 'main-test-key' });
    const exited = once(child, 'exit');
    await expect.poll(out, { timeout: 15_000 }).toMatch(/Test controls/);
    const baseUrl = /listening on (http:\/\/\S+)/.exec(out())?.[1] ?? '';
    expect(out()).toContain('Authorization: Basic main-test-key');
    expect(out()).toContain('krn:partner:global:account:test:REBILLACQ');
    expect(out()).toContain('/v2/notification/signing-keys');
    expect(out()).toContain('/v2/notification/webhooks');
    const clock = await fetch(`${baseUrl}/__sim/clock`);
    expect(clock.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it('refuses a bad configuration, naming the variable', async () => {
    const { child, err } = start({ SANDBOX_TOKENIZATION_RESULT: 'SOMETIMES' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(err()).toContain('SANDBOX_TOKENIZATION_RESULT');
  });
});
