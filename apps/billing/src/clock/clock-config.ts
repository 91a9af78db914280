// The clock's part of the configuration, for every role and for the CLI. main.ts merges it with
// the base schema: `parseConfig(baseConfigSchema.extend(clockConfigShape), process.env)`.
import { z } from 'zod';
import { createSandboxClock, type SandboxClock } from './sandbox-clock.js';

const milliseconds = z.coerce.number().int().positive();

export const clockConfigShape = {
  /** system: wall time. virtual: wall time + the offset shared in PostgreSQL (demos, tests). */
  CLOCK_MODE: z.enum(['system', 'virtual']).default('system'),
  /**
   * In virtual mode an advance also moves the Klarna sandbox's clock at KLARNA_BASE_URL (and
   * waits for its webhook deliveries). `off` when Klarna is not the sandbox.
   */
  CLOCK_SANDBOX: z.enum(['on', 'off']).default('on'),
  /** The sandbox's SANDBOX_SIM_TOKEN, when it requires one for its /__sim controls. */
  SANDBOX_SIM_TOKEN: z.string().min(1).optional(),
  /** How long an advance step waits for every live process to apply the new time. */
  CLOCK_ACK_TIMEOUT_MS: milliseconds.default(30_000),
  /** How long an advance step waits for due work to be done. */
  CLOCK_QUIET_TIMEOUT_MS: milliseconds.default(120_000),
  /** Bearer token for /internal/clock; unset leaves those routes out (404). */
  OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
} as const;

export const clockConfigSchema = z.object(clockConfigShape);
export type ClockConfig = z.infer<typeof clockConfigSchema>;

/** The sandbox clock an advance moves along, or null (system mode, or CLOCK_SANDBOX=off). */
export function sandboxClockFor(
  config: Pick<ClockConfig, 'CLOCK_MODE' | 'CLOCK_SANDBOX' | 'SANDBOX_SIM_TOKEN'> & {
    KLARNA_BASE_URL: string;
  },
): SandboxClock | null {
  if (config.CLOCK_MODE !== 'virtual' || config.CLOCK_SANDBOX === 'off') return null;
  return createSandboxClock({ baseUrl: config.KLARNA_BASE_URL, simToken: config.SANDBOX_SIM_TOKEN });
}
