// Process configuration, parsed once at start from the environment. Each role will add its own
// section; what every role needs lives here. A bad value stops the process with the variable's name.
import { z } from 'zod';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const baseConfigSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgresql://postgres@127.0.0.1:5432/rebill'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Every BullMQ key is put under this prefix, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().min(1).default('rebill'),
  LOG_LEVEL: logLevel.default('info'),
  KLARNA_BASE_URL: z.url().default('http://127.0.0.1:4010'),
  KLARNA_API_KEY: z.string().min(1).default('sandbox-api-key'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; problem: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env with a schema; unset and empty variables both take the default. */
export function parseConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => ({ variable: i.path.map(String).join('.'), problem: i.message })),
    );
  }
  return result.data;
}
