// docker-compose.yml describes the system `npm start` runs: no Docker engine runs here, so its
// structure is checked instead. Every role is a service of the Rebill image running that role, the
// sandbox is one, migrations run first and must finish before any role starts, every environment
// variable is one the configuration modules read (with values they accept), and the published
// ports are the ones the services listen on. The images' Dockerfiles install every workspace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clockConfigShape } from '../../apps/billing/src/clock/clock-config.js';
import {
  apiConfigSchema,
  parseConfig,
  schedulerConfigSchema,
  webhooksConfigSchema,
  workerConfigSchema,
} from '../../apps/billing/src/config/config.js';
import { loadVaultKeyring, vaultConfigSchema } from '../../apps/billing/src/vault/vault-config.js';
import { loadConfig as loadSandboxConfig } from '../../apps/klarna-sandbox/src/config.js';
import { REPO_ROOT } from '../system/support/role-process.js';

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

const ROLES = ['api', 'webhooks', 'worker', 'scheduler'] as const;
const ROLE_SCHEMAS = {
  api: apiConfigSchema,
  webhooks: webhooksConfigSchema,
  worker: workerConfigSchema,
  scheduler: schedulerConfigSchema,
} as const;
const REBILL_IMAGE = 'apps/billing/Dockerfile';
const SANDBOX_IMAGE = 'apps/klarna-sandbox/Dockerfile';

/** What the image runs: its ENTRYPOINT then the service's command (or the image's CMD). */
function runs(serviceName: string): string[] {
  const s = service(serviceName);
  const dockerfile = read(s.build?.dockerfile ?? '');
  const entrypoint = s.entrypoint ?? jsonInstruction(dockerfile, 'ENTRYPOINT');
  return [
    ...entrypoint,
    ...(s.command ?? (s.entrypoint === undefined ? jsonInstruction(dockerfile, 'CMD') : [])),
  ];
}

function jsonInstruction(dockerfile: string, instruction: string): string[] {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${instruction} `));
  const last = lines.at(-1);
  return last === undefined ? [] : (JSON.parse(last.slice(instruction.length + 1)) as string[]);
}

/** Read by Node itself, not by Rebill's configuration (the scheduler's heap cap). */
const NODE_VARIABLES = ['NODE_OPTIONS', 'NODE_ENV'];

function rebillVariables(): Set<string> {
  return new Set(
    [...Object.values(ROLE_SCHEMAS), vaultConfigSchema]
      .flatMap((schema) => Object.keys(schema.shape))
      .concat(Object.keys(clockConfigShape), NODE_VARIABLES),
  );
}

/** `ENV NAME=value` instructions of a Dockerfile (one or more pairs per line). */
function envInstructions(dockerfile: string): Record<string, string> {
  const pairs = dockerfile
    .split('\n')
    .filter((line) => line.startsWith('ENV '))
    .flatMap((line) => line.slice(4).trim().split(/\s+/));
  return Object.fromEntries(
    pairs.map((pair) => [pair.split('=')[0] ?? '', pair.split('=').slice(1).join('=')]),
  );
}

const published = (s: Service): string[] => (s.ports ?? []).map((p) => p.split(':').at(-1) ?? '');

describe('docker-compose.yml', () => {
  it('has the data stores, the migrations, the sandbox and one service per role', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['postgres', 'redis', 'migrate', 'klarna-sandbox', ...ROLES].sort(),
    );
    for (const role of ROLES) {
      expect(service(role).build?.dockerfile, role).toBe(REBILL_IMAGE);
      expect(runs(role), role).toEqual(['node', 'apps/billing/dist/main.js', role]);
    }
    expect(service('klarna-sandbox').build?.dockerfile).toBe(SANDBOX_IMAGE);
    expect(runs('klarna-sandbox')).toEqual(['node', 'dist/main.js']);
  });

  it('migrates first: the migration tool of the Rebill image, then every role', () => {
    expect(service('migrate').build?.dockerfile).toBe(REBILL_IMAGE);
    expect(runs('migrate')).toEqual(['npm', 'run', 'db:migrate:deploy']);
    expect(service('migrate').depends_on?.postgres?.condition).toBe('service_healthy');
    for (const role of ROLES) {
      expect(service(role).depends_on, role).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        'klarna-sandbox': { condition: 'service_healthy' },
      });
    }
  });

  it('gives the roles only variables their configuration reads, with values it accepts', () => {
    const known = rebillVariables();
    for (const role of ROLES) {
      const env = service(role).environment ?? {};
      expect(
        Object.keys(env).filter((name) => !known.has(name)),
        role,
      ).toEqual([]);
      expect(() => parseConfig(ROLE_SCHEMAS[role], env), role).not.toThrow();
      expect(() => parseConfig(vaultConfigSchema, env), role).not.toThrow();
      const config = parseConfig(ROLE_SCHEMAS[role], env);
      expect(new URL(config.DATABASE_URL).hostname, role).toBe('postgres');
      expect(new URL(config.REDIS_URL).hostname, role).toBe('redis');
      expect(new URL(config.KLARNA_BASE_URL).hostname, role).toBe('klarna-sandbox');
    }
    const migrateEnv = service('migrate').environment ?? {};
    expect(migrateEnv.DATABASE_URL).toBe(service('api').environment?.DATABASE_URL);
  });

  it("gives the roles a vault they start with, under the image's NODE_ENV unless the service sets one", () => {
    const imageEnv = envInstructions(read(REBILL_IMAGE));
    for (const role of ROLES) {
      const env = { ...imageEnv, ...service(role).environment };
      expect(() => loadVaultKeyring(env), role).not.toThrow();
    }
  });

  it('gives the sandbox only variables its configuration reads, with values it accepts', () => {
    const env = service('klarna-sandbox').environment ?? {};
    const readBySandbox = new Set(read('apps/klarna-sandbox/src/config.ts').match(/\bSANDBOX_[A-Z_]+/g));
    expect(Object.keys(env).filter((name) => !readBySandbox.has(name))).toEqual([]);
    expect(() => loadSandboxConfig(env)).not.toThrow();
  });

  it('publishes the ports the services listen on, and the roles reach each other there', () => {
    const api = parseConfig(apiConfigSchema, service('api').environment ?? {});
    const webhooks = parseConfig(webhooksConfigSchema, service('webhooks').environment ?? {});
    const sandbox = loadSandboxConfig(service('klarna-sandbox').environment ?? {});
    expect(api.API_HOST).toBe('0.0.0.0');
    expect(webhooks.WEBHOOKS_HOST).toBe('0.0.0.0');
    expect(sandbox.host).toBe('0.0.0.0');
    expect(published(service('api'))).toEqual([String(api.API_PORT)]);
    expect(published(service('webhooks'))).toEqual([String(webhooks.WEBHOOKS_PORT)]);
    expect(published(service('klarna-sandbox'))).toEqual([String(sandbox.port)]);
    expect(published(service('worker'))).toEqual([]);
    expect(published(service('scheduler'))).toEqual([]);
    expect(new URL(api.KLARNA_BASE_URL).port).toBe(String(sandbox.port));
    const webhookUrl = new URL(webhooks.WEBHOOKS_PUBLIC_URL ?? '');
    expect([webhookUrl.hostname, webhookUrl.port, webhookUrl.pathname]).toEqual([
      'webhooks',
      String(webhooks.WEBHOOKS_PORT),
      '/klarna/webhooks',
    ]);
    expect(service('klarna-sandbox').healthcheck?.test.join(' ')).toContain(`127.0.0.1:${sandbox.port}/`);
  });

  it('builds images that install every workspace (npm ci needs each package.json)', () => {
    const workspaces = (JSON.parse(read('package-lock.json')) as { packages: Record<string, unknown> })
      .packages;
    const manifests = Object.keys(workspaces)
      .filter((path) => path !== '' && !path.includes('node_modules'))
      .map((path) => `${path}/package.json`);
    for (const dockerfile of [REBILL_IMAGE, SANDBOX_IMAGE]) {
      const stages = read(dockerfile)
        .split(/^FROM /m)
        .filter((stage) => stage.includes('RUN npm ci'));
      expect(stages.length, dockerfile).toBeGreaterThan(0);
      for (const stage of stages) {
        const beforeInstall = stage.slice(0, stage.indexOf('RUN npm ci'));
        for (const manifest of manifests)
          expect(beforeInstall, `${dockerfile}: ${manifest}`).toContain(manifest);
      }
    }
  });
});
