import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ACQUIRER_ACCOUNT_ID, DEFAULT_API_KEY, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4010,
      host: '127.0.0.1',
      publicBaseUrl: undefined,
      apiKey: DEFAULT_API_KEY,
      acquirerAccountId: DEFAULT_ACQUIRER_ACCOUNT_ID,
      ledgerFile: undefined,
      strictScopeChecks: true,
      tokenizationResult: 'STEP_UP_REQUIRED',
      latencyMs: 0,
      logLevel: 'info',
      simToken: undefined,
      bodyLimitBytes: 1024 * 1024,
      idempotencyMaxKeys: 200_000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SANDBOX_PORT: '5000',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_PUBLIC_URL: 'https://sandbox.example/',
      SANDBOX_API_KEY: 'k-1',
      SANDBOX_ACQUIRER_ACCOUNT_ID: 'krn:partner:global:account:live:ACQ9',
      SANDBOX_LEDGER_FILE: '/data/ledger.jsonl',
      SANDBOX_STRICT_SCOPE_CHECKS: 'false',
      SANDBOX_TOKENIZATION_RESULT: 'APPROVED',
      SANDBOX_LATENCY_MS: '25',
      SANDBOX_LOG_LEVEL: 'warn',
      SANDBOX_SIM_TOKEN: 'sim',
      SANDBOX_BODY_LIMIT_BYTES: '2048',
      SANDBOX_IDEMPOTENCY_MAX_KEYS: '500',
    });
    expect(config).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      publicBaseUrl: 'https://sandbox.example',
      apiKey: 'k-1',
      acquirerAccountId: 'krn:partner:global:account:live:ACQ9',
      ledgerFile: '/data/ledger.jsonl',
      strictScopeChecks: false,
      tokenizationResult: 'APPROVED',
      latencyMs: 25,
      logLevel: 'warn',
      simToken: 'sim',
      bodyLimitBytes: 2048,
      idempotencyMaxKeys: 500,
    });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ SANDBOX_API_KEY: '', SANDBOX_PORT: '' })).toMatchObject({
      apiKey: DEFAULT_API_KEY,
      port: 4010,
    });
  });

  it.each([
    ['SANDBOX_PORT', '70000'],
    ['SANDBOX_PUBLIC_URL', 'not a url'],
    ['SANDBOX_API_KEY', ' padded '],
    ['SANDBOX_ACQUIRER_ACCOUNT_ID', 'ACQ'],
    ['SANDBOX_STRICT_SCOPE_CHECKS', 'maybe'],
    ['SANDBOX_TOKENIZATION_RESULT', 'PENDING'],
    ['SANDBOX_LATENCY_MS', '-1'],
    ['SANDBOX_LOG_LEVEL', 'loud'],
  ])('rejects %s=%j naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
