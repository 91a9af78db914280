// Every variable a role reads is documented: in .env.example and in the README's tables.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vaultConfigSchema } from '../vault/vault-config.js';
import {
  apiConfigSchema,
  schedulerConfigSchema,
  webhooksConfigSchema,
  workerConfigSchema,
} from './config.js';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');
const variables = [
  ...new Set(
    [
      apiConfigSchema,
      webhooksConfigSchema,
      workerConfigSchema,
      schedulerConfigSchema,
      vaultConfigSchema,
    ].flatMap((schema) => Object.keys(schema.shape)),
  ),
].filter((name) => name !== 'NODE_ENV');

describe('configuration documentation', () => {
  it.each(variables)('%s is in .env.example', (name) => {
    expect(read('../../../../.env.example')).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it.each(variables)('%s is in the README', (name) => {
    expect(read('../../../../README.md')).toContain(`\`${name}\``);
  });
});
