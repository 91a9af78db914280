import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { reveal } from './reveal.js';
import { Secret } from './secret.js';

const RAW = 'krn:customer-token:eu1:5e1f0000-raw-secret';

describe('Secret', () => {
  const secret = Secret.wrap('klarna-customer-token', RAW);

  it.each([
    ['JSON.stringify', () => JSON.stringify({ token: secret, nested: [{ secret }] })],
    ['String()', () => String(secret)],
    ['template literal', () => `token=${secret as unknown as string}`],
    ['string concatenation', () => 'token=' + (secret as unknown as string)],
    ['util.inspect', () => inspect({ a: { b: { c: { secret } } } }, { depth: 10, showHidden: true })],
    ['spread', () => JSON.stringify({ ...secret })],
    ['structuredClone', () => inspect(structuredClone({ secret }), { showHidden: true })],
    ['Object.entries', () => JSON.stringify(Object.entries(secret))],
    ['error message', () => new Error(`failed with ${String(secret)}`).message],
  ])('%s never shows the raw value', (_how, render) => {
    const text = render();
    expect(text).not.toContain('raw-secret');
  });

  it('prints a marker naming the kind', () => {
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted klarna-customer-token]"}');
  });

  it('reveals the raw value only through reveal()', () => {
    expect(reveal(secret)).toBe(RAW);
  });

  it('rejects an empty value', () => {
    expect(() => Secret.wrap('klarna-customer-token', '')).toThrow(TypeError);
  });

  it('cannot be mutated', () => {
    expect(() => {
      (secret as unknown as { kind: string }).kind = 'x';
    }).toThrow(TypeError);
  });
});

// Architecture rule: the raw value is read in the vault (to encrypt it) and the Klarna client (to
// send it in a header), nowhere else.
describe('who may reveal a secret', () => {
  const src = fileURLToPath(new URL('..', import.meta.url));
  const ALLOWED = [/^vault\//, /^klarna\//, /^secrets\//];

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (name === 'generated' || name === 'node_modules') return [];
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('only vault/ and klarna/ import secrets/reveal or secretValue', () => {
    const offenders = sourceFiles(src)
      .map((path) => ({ file: relative(src, path), text: readFileSync(path, 'utf8') }))
      .filter(({ text }) => /secrets\/reveal\.js'|\bsecretValue\b/.test(text))
      .map(({ file }) => file)
      .filter((file) => !ALLOWED.some((allowed) => allowed.test(file)));
    expect(offenders).toEqual([]);
  });
});
