// The harness hands out URLs, prefixes and plain-pg helpers; the apps build their own clients and
// fixtures on top. An import from apps/ here would make the harness depend on the apps whose
// tests depend on the harness: a package cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HARNESS_DIR, '../..');
const APPS_DIR = join(REPO_ROOT, 'apps');
const APP_PACKAGES = readdirSync(APPS_DIR).map(
  (app) => (JSON.parse(readFileSync(join(APPS_DIR, app, 'package.json'), 'utf8')) as { name: string }).name,
);
const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;

function harnessFiles(directory = HARNESS_DIR): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : harnessFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier in `source` (static, type-only, re-exports and dynamic import()) that reaches apps/. */
function importsFromApps(file: string, source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => {
      if (specifier.startsWith('.')) {
        const target = relative(APPS_DIR, resolve(dirname(file), specifier));
        return !target.startsWith('..');
      }
      return APP_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
    });
}

describe('test/harness', () => {
  it('imports nothing from apps/', () => {
    const files = harnessFiles();
    const offending = files.flatMap((file) =>
      importsFromApps(file, readFileSync(file, 'utf8')).map(
        (specifier) => `${relative(REPO_ROOT, file)}: ${specifier}`,
      ),
    );

    expect(files.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });

  it('recognises every way of reaching an app', () => {
    const file = join(HARNESS_DIR, 'example.ts');
    const source = [
      "import { a } from '../../apps/billing/src/store/prisma-client.js';",
      "import type { B } from '../../apps/klarna-sandbox/src/app.js';",
      "export { c } from '@rebill/billing/src/x.js';",
      "const d = await import('../../apps/billing/src/y.js');",
      "import { e } from '../../prisma/tools/database-url.mjs';",
      "import { f } from './run-database.js';",
      "import { g } from 'vitest';",
    ].join('\n');

    expect(importsFromApps(file, source)).toEqual([
      '../../apps/billing/src/store/prisma-client.js',
      '../../apps/klarna-sandbox/src/app.js',
      '@rebill/billing/src/x.js',
      '../../apps/billing/src/y.js',
    ]);
  });
});
