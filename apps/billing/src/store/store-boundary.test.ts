// Architecture rule: only src/store touches Prisma. Other code gets plain functions and row types
// from the store, so queries can be tuned (raw SQL, fewer round trips) in one place.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated' || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('test-support') ? [path] : [];
  });
}

const outsideStore = sources(src)
  .map((path) => ({ file: relative(src, path), text: readFileSync(path, 'utf8') }))
  .filter(({ file }) => !file.startsWith('store/') && !file.startsWith('testing/'));

const PRISMA_CALL =
  /\b(?:tx|db|prisma|this\.db|deps\.db)\.(?:\$queryRaw|\$executeRaw|\$transaction|[a-z][A-Za-z]*\.(?:findFirst|findFirstOrThrow|findUnique|findUniqueOrThrow|findMany|create|createMany|update|updateMany|upsert|delete|deleteMany|count|aggregate|groupBy))\b/;

describe('the store boundary', () => {
  it('no file outside src/store imports Prisma or its generated client', () => {
    const offenders = outsideStore
      .filter(({ text }) => /from '[^']*(?:store\/generated\/|@prisma\/)/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('recognises a Prisma query', () => {
    expect(PRISMA_CALL.test('await tx.subscription.update({')).toBe(true);
    expect(PRISMA_CALL.test('await deps.db.$queryRaw`SELECT 1`')).toBe(true);
    expect(PRISMA_CALL.test('ctx.attempts.find((a) => a)')).toBe(false);
  });

  it('no file outside src/store runs a Prisma query', () => {
    // Every call, not only a file's first: a fix that moves one query must not hide the next.
    const everyCall = new RegExp(PRISMA_CALL.source, 'g');
    const offenders = outsideStore.flatMap(({ file, text }) =>
      [...text.matchAll(everyCall)].map((match) => `${file}: ${match[0]}`),
    );
    expect(offenders).toEqual([]);
  });
});
