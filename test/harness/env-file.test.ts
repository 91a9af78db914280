// The repository's .env is read with Node's loader; the environment keeps precedence.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvFileIfPresent, REPOSITORY_ENV_FILE } from './env-file.js';

const FROM_FILE = `REBILL_ENV_FILE_PROBE_${process.pid}`;
const ALREADY_SET = `REBILL_ENV_FILE_KEPT_${process.pid}`;
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'rebill-env-file-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env[FROM_FILE];
  delete process.env[ALREADY_SET];
});

describe('loadEnvFileIfPresent', () => {
  it('is the .env at the repository root by default', () => {
    expect(REPOSITORY_ENV_FILE).toBe(join(new URL('../../', import.meta.url).pathname, '.env'));
  });

  it('loads the variables of an existing file, leaving ones already set alone', () => {
    const file = join(directory, '.env');
    writeFileSync(
      file,
      `# a comment\n${FROM_FILE}=postgresql://postgres@127.0.0.1:5432/x\n${ALREADY_SET}=file\n`,
    );
    process.env[ALREADY_SET] = 'environment';

    expect(loadEnvFileIfPresent(file)).toBe(true);

    expect(process.env[FROM_FILE]).toBe('postgresql://postgres@127.0.0.1:5432/x');
    expect(process.env[ALREADY_SET]).toBe('environment');
  });

  it('does nothing when there is no file', () => {
    expect(loadEnvFileIfPresent(join(directory, 'missing.env'))).toBe(false);
    expect(process.env[FROM_FILE]).toBeUndefined();
  });
});
