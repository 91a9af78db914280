// Where the browser test looks for Chromium, with a fake file system and with a real PATH.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM, resolveChromiumPath } from './chromium.js';

const only =
  (...executables: string[]) =>
  (path: string): boolean =>
    executables.includes(path);

describe('resolveChromiumPath', () => {
  it('takes CHROMIUM_PATH as given, even before a chromium on PATH', () => {
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome', PATH: '/usr/bin' };

    expect(resolveChromiumPath(env, only('/usr/bin/chromium'))).toBe('/opt/chrome/chrome');
  });

  it('finds chromium on PATH, in PATH order', () => {
    const env = { PATH: ['/usr/local/bin', '/snap/bin', '/usr/bin'].join(delimiter) };

    expect(resolveChromiumPath(env, only('/snap/bin/chromium', '/usr/bin/chromium'))).toBe(
      '/snap/bin/chromium',
    );
  });

  it('prefers chromium anywhere on PATH to chromium-browser', () => {
    const env = { PATH: ['/usr/local/bin', '/usr/bin'].join(delimiter) };

    expect(resolveChromiumPath(env, only('/usr/local/bin/chromium-browser', '/usr/bin/chromium'))).toBe(
      '/usr/bin/chromium',
    );
  });

  it('falls back to chromium-browser on PATH', () => {
    const env = { PATH: ['/usr/local/bin', '/usr/bin'].join(delimiter) };

    expect(resolveChromiumPath(env, only('/usr/bin/chromium-browser'))).toBe('/usr/bin/chromium-browser');
  });

  it("falls back to Debian's /usr/bin/chromium when nothing is found", () => {
    expect(resolveChromiumPath({ PATH: '/nowhere' }, only())).toBe(DEFAULT_CHROMIUM);
    expect(resolveChromiumPath({}, only())).toBe(DEFAULT_CHROMIUM);
  });

  describe('on a real file system', () => {
    let root: string;

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'sandbox-chromium-'));
      mkdirSync(join(root, 'bin'));
      mkdirSync(join(root, 'chromium')); // a directory named like the browser is no browser
      writeFileSync(join(root, 'bin', 'chromium'), 'not executable');
      writeFileSync(join(root, 'bin', 'chromium-browser'), '#!/bin/sh\n');
      chmodSync(join(root, 'bin', 'chromium-browser'), 0o755);
    });

    afterAll(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('takes only executable files', () => {
      const env = { PATH: [root, join(root, 'bin')].join(delimiter) };

      expect(resolveChromiumPath(env)).toBe(join(root, 'bin', 'chromium-browser'));
    });
  });
});
