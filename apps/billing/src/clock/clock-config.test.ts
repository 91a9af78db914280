import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, parseConfig } from '../config/config.js';
import { clockConfigShape, sandboxClockFor } from './clock-config.js';

const schema = baseConfigSchema.extend(clockConfigShape);

describe('clock configuration', () => {
  it('defaults to the system clock, with the sandbox moved along in virtual mode', () => {
    const config = parseConfig(schema, {});
    expect(config).toMatchObject({
      CLOCK_MODE: 'system',
      CLOCK_SANDBOX: 'on',
      CLOCK_ACK_TIMEOUT_MS: 30_000,
      CLOCK_QUIET_TIMEOUT_MS: 120_000,
    });
    expect(config.OPERATOR_TOKEN).toBeUndefined();
    expect(sandboxClockFor(config)).toBeNull();
    expect(sandboxClockFor({ ...config, CLOCK_MODE: 'virtual' })).not.toBeNull();
    expect(sandboxClockFor({ ...config, CLOCK_MODE: 'virtual', CLOCK_SANDBOX: 'off' })).toBeNull();
  });

  it('reads the variables', () => {
    const config = parseConfig(schema, {
      CLOCK_MODE: 'virtual',
      CLOCK_ACK_TIMEOUT_MS: '5000',
      OPERATOR_TOKEN: 'a-long-operator-token',
    });
    expect(config).toMatchObject({
      CLOCK_MODE: 'virtual',
      CLOCK_ACK_TIMEOUT_MS: 5_000,
      OPERATOR_TOKEN: 'a-long-operator-token',
    });
  });

  it.each([
    ['CLOCK_MODE', 'fast'],
    ['CLOCK_SANDBOX', 'maybe'],
    ['CLOCK_QUIET_TIMEOUT_MS', '-1'],
    ['OPERATOR_TOKEN', 'short'],
  ])('names %s when its value is bad', (variable, value) => {
    expect(() => parseConfig(schema, { [variable]: value })).toThrow(ConfigError);
    expect(() => parseConfig(schema, { [variable]: value })).toThrow(variable);
  });
});
