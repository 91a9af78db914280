import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('applies defaults for unset and empty variables', () => {
    const cfg = parseConfig(baseConfigSchema, { LOG_LEVEL: '' });
    expect(cfg.LOG_LEVEL).toBe('info');
    expect(cfg.REDIS_PREFIX).toBe('rebill');
  });

  it('names the variable that is wrong', () => {
    expect(() => parseConfig(baseConfigSchema, { DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(
      ConfigError,
    );
    try {
      parseConfig(baseConfigSchema, { DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      const vars = (e as ConfigError).issues.map((i) => i.variable).sort();
      expect(vars).toEqual(['DATABASE_URL', 'LOG_LEVEL']);
    }
  });
});
