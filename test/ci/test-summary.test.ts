// .ci/test-summary.mjs, run as CI runs it, on report files written here.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../.ci/test-summary.mjs', import.meta.url));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function summarize(...reports: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...reports], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

const START = 1_796_000_000_000;

/** A vitest JSON report whose last test file ends `wallSeconds` after the run started. */
function report(counts: { passed: number; failed?: number; skipped?: number }, wallSeconds: number) {
  const failed = counts.failed ?? 0;
  return {
    numPassedTests: counts.passed,
    numFailedTests: failed,
    numPendingTests: counts.skipped ?? 0,
    numTodoTests: 0,
    numFailedTestSuites: failed > 0 ? 1 : 0,
    success: failed === 0,
    startTime: START,
    testResults: [
      { name: 'a.test.ts', startTime: START + 500, endTime: START + 2_000 },
      { name: 'b.test.ts', startTime: START + 600, endTime: START + wallSeconds * 1000 + 0.4 },
    ],
  };
}

let root: string;

/** Writes `apps/<folder>/package.json` and, unless `content` is undefined, its report. */
function workspace(folder: string, name: string, content: unknown): string {
  const directory = join(root, folder);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name }));
  const path = join(directory, '.vitest-report.json');
  if (content !== undefined) {
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return path;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rebill-test-summary-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('.ci/test-summary.mjs', () => {
  it("prints each workspace's wall time and counts, then the totals", async () => {
    const billing = workspace('billing', '@rebill/billing', report({ passed: 40, skipped: 1 }, 41));
    const sandbox = workspace('sandbox', '@rebill/klarna-sandbox', report({ passed: 300 }, 95));

    const outcome = await summarize(billing, sandbox);

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('==> tests: @rebill/billing 41 s (40 passed, 0 failed, 1 skipped)');
    expect(outcome.stdout).toContain(
      '==> tests: @rebill/klarna-sandbox 95 s (300 passed, 0 failed, 0 skipped)',
    );
    expect(outcome.stdout).toContain('340 passed, 0 failed, 1 skipped');
    expect(outcome.stderr).toBe('');
  });

  it('fails, naming the path, when a report is missing', async () => {
    const billing = workspace('billing', '@rebill/billing', report({ passed: 40 }, 41));
    const missing = workspace('test', '@rebill/test', undefined);

    const outcome = await summarize(billing, missing);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`missing test report ${missing}`);
    expect(outcome.stdout).toContain('1 of 2 test reports');
  });

  it('fails, naming the path, when a report is not JSON', async () => {
    const broken = workspace('billing', '@rebill/billing', '{"numPassedTests": 4');

    const outcome = await summarize(broken);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`unreadable test report ${broken}`);
  });

  it('fails when a test failed', async () => {
    const billing = workspace('billing', '@rebill/billing', report({ passed: 39, failed: 1 }, 41));

    const outcome = await summarize(billing);

    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain('39 passed, 1 failed, 0 skipped');
  });

  it('fails when no test ran at all', async () => {
    const empty = workspace('billing', '@rebill/billing', report({ passed: 0 }, 1));

    expect((await summarize(empty)).code).toBe(1);
    expect((await summarize()).code).toBe(1);
  });
});
