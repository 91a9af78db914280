// The sandbox's configuration, read from the environment once at start. Every variable is
// documented in apps/klarna-sandbox/README.md (Configuration).
import { z } from 'zod';
import { PARTNER_ACCOUNT_PATTERN } from './ids.js';

/** The documented default API key; only ever valid against this sandbox. */
export const DEFAULT_API_KEY = 'sandbox-api-key';
export const DEFAULT_ACQUIRER_ACCOUNT_ID = 'krn:partner:global:account:test:REBILLACQ';

export const TOKENIZATION_RESULTS = ['STEP_UP_REQUIRED', 'APPROVED', 'DECLINED'] as const;
export type TokenizationResult = (typeof TOKENIZATION_RESULTS)[number];

const booleanFromEnv = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  SANDBOX_API_KEY: z
    .string()
    .regex(
      /^[\x21-\x7e](?:[\x20-\x7e]{0,1022}[\x21-\x7e])?$/,
      'must be printable ASCII without surrounding spaces',
    )
    .default(DEFAULT_API_KEY),
  SANDBOX_ACQUIRER_ACCOUNT_ID: z
    .string()
    .regex(PARTNER_ACCOUNT_PATTERN, 'must look like krn:partner:global:account:test:XXXX')
    .default(DEFAULT_ACQUIRER_ACCOUNT_ID),
  SANDBOX_LEDGER_FILE: z.string().min(1).optional(),
  SANDBOX_STRICT_SCOPE_CHECKS: booleanFromEnv.default(true),
  SANDBOX_TOKENIZATION_RESULT: z.enum(TOKENIZATION_RESULTS).default('STEP_UP_REQUIRED'),
  SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  SANDBOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX_SIM_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  SANDBOX_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  SANDBOX_IDEMPOTENCY_MAX_KEYS: z.coerce.number().int().min(100).default(200_000),
});

export interface SandboxConfig {
  port: number;
  host: string;
  /** Fixed public base URL; when undefined it is derived from the listening address. */
  publicBaseUrl: string | undefined;
  apiKey: string;
  acquirerAccountId: string;
  ledgerFile: string | undefined;
  strictScopeChecks: boolean;
  tokenizationResult: TokenizationResult;
  latencyMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** When set, /__sim/** requires the header `Sandbox-Sim-Token` with this value. */
  simToken: string | undefined;
  bodyLimitBytes: number;
  idempotencyMaxKeys: number;
}

export class ConfigError extends Error {}

/** Reads the configuration from env; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  // Empty strings count as unset, as docker-compose tends to pass them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid sandbox configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    port: e.SANDBOX_PORT,
    host: e.SANDBOX_HOST,
    publicBaseUrl: e.SANDBOX_PUBLIC_URL,
    apiKey: e.SANDBOX_API_KEY,
    acquirerAccountId: e.SANDBOX_ACQUIRER_ACCOUNT_ID,
    ledgerFile: e.SANDBOX_LEDGER_FILE,
    strictScopeChecks: e.SANDBOX_STRICT_SCOPE_CHECKS,
    tokenizationResult: e.SANDBOX_TOKENIZATION_RESULT,
    latencyMs: e.SANDBOX_LATENCY_MS,
    logLevel: e.SANDBOX_LOG_LEVEL,
    simToken: e.SANDBOX_SIM_TOKEN,
    bodyLimitBytes: e.SANDBOX_BODY_LIMIT_BYTES,
    idempotencyMaxKeys: e.SANDBOX_IDEMPOTENCY_MAX_KEYS,
  };
}
