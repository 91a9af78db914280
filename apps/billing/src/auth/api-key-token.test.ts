import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeySecretMatches, generateApiKey, hashApiKeySecret, parseApiKey } from './api-key-token.js';

describe('API key tokens', () => {
  it('look like rbk_<12 lower-case alphanumerics>_<40 alphanumerics> and parse back', () => {
    const key = generateApiKey();

    expect(key.token).toMatch(/^rbk_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
    const parsed = parseApiKey(key.token);
    expect(parsed?.prefix).toBe(key.prefix);
    expect(key.secretHash).toBe(
      createHash('sha256')
        .update(parsed?.secret ?? '')
        .digest('hex'),
    );
    expect(key.token).not.toContain(key.secretHash);
  });

  it('are different every time', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());

    expect(new Set(keys.map((k) => k.prefix)).size).toBe(200);
    expect(new Set(keys.map((k) => k.token)).size).toBe(200);
  });

  it.each([
    '',
    'rbk_',
    'sk_live_abc',
    `rbk_ABCDEFGHIJKL_${'a'.repeat(40)}`,
    `rbk_abcdefghijkl_${'a'.repeat(39)}`,
    `rbk_abcdefghijkl_${'a'.repeat(41)}`,
    `rbk_abcdefghijkl_${'a'.repeat(39)}-`,
    ` rbk_abcdefghijkl_${'a'.repeat(40)}`,
  ])('refuse %j', (token) => {
    expect(parseApiKey(token)).toBeNull();
  });

  it('match only their own secret', () => {
    const hash = hashApiKeySecret('s'.repeat(40));

    expect(apiKeySecretMatches('s'.repeat(40), hash)).toBe(true);
    expect(apiKeySecretMatches('t'.repeat(40), hash)).toBe(false);
    expect(apiKeySecretMatches('s'.repeat(40), 'not hex')).toBe(false);
  });
});
