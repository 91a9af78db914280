import { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { describe, expect } from 'vitest';
import { metricsSource } from '../../ops/metrics-source.js';
import { pingRedis } from '../../queue/redis-ping.js';
import { pingDatabase } from '../../store/health.js';
import { buildApiApp } from '../app.js';
import { apiTest } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';

describe('health', () => {
  apiTest('GET /healthz answers while the process runs', async ({ app }) => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });

    expectStatus(response, 200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  apiTest('GET /readyz checks the real database and Redis', async ({ app }) => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expectStatus(response, 200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  apiTest('GET /readyz is a 503 naming what is down or too slow', async ({ prisma, clock, signups }) => {
    // A Redis client aimed at a port nothing listens on, failing fast instead of queueing.
    const deadRedis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    const app = await buildApiApp({
      db: prisma,
      clock,
      signups,
      readiness: {
        database: () => pingDatabase(prisma),
        redis: async () => {
          await deadRedis.connect();
          await pingRedis(deadRedis);
        },
        slow: () => new Promise<void>(() => undefined),
      },
      options: { readinessTimeoutMs: 100 },
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });

      const problem = expectProblem(response, 503, 'not-ready');
      expect(problem['checks']).toEqual({ database: 'ok', redis: 'failed', slow: 'timed_out' });
      expect(problem.detail).toBe('Not ready: redis, slow.');
    } finally {
      await app.close();
      deadRedis.disconnect();
    }
  });
});

describe('metrics', () => {
  apiTest(
    'GET /metrics answers the registry given, in Prometheus text',
    async ({ prisma, clock, signups }) => {
      const registry = new Registry();
      new Counter({ name: 'test_api_things_total', help: 'things', registers: [registry] }).inc();
      const app = await buildApiApp({
        db: prisma,
        clock,
        signups,
        readiness: {},
        metrics: metricsSource(registry),
      });
      try {
        const response = await app.inject({ method: 'GET', url: '/metrics' });
        expectStatus(response, 200);
        expect(response.headers['content-type']).toBe(registry.contentType);
        expect(response.body).toContain('test_api_things_total 1');
      } finally {
        await app.close();
      }
    },
  );

  apiTest('no registry given: no /metrics route', async ({ app }) => {
    expectStatus(await app.inject({ method: 'GET', url: '/metrics' }), 404);
  });
});

describe('API description', () => {
  interface OpenApi {
    openapi: string;
    info: { description: string };
    components: { securitySchemes: Record<string, unknown> };
    security: unknown[];
    paths: Record<
      string,
      Record<
        string,
        {
          security?: unknown[];
          requestBody?: { content: Record<string, { schema: { properties?: object } }> };
          responses: Record<string, unknown>;
          parameters?: { name: string; in: string }[];
        }
      >
    >;
  }

  apiTest('GET /openapi.json is OpenAPI 3.1 generated from the route schemas', async ({ app }) => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });

    expectStatus(response, 200);
    const document = response.json<OpenApi>();
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes).toEqual({
      apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'rbk_<prefix>_<secret>' },
    });
    expect(document.security).toEqual([{ apiKey: [] }]);
    expect(document.info.description).toContain('https://rebill.dev/problems/validation');
    expect(document.paths['/healthz']?.['get']?.security).toEqual([]);
    const createPlan = document.paths['/v1/plans']?.['post'];
    expect(
      Object.keys(createPlan?.requestBody?.content['application/json']?.schema.properties ?? {}),
    ).toEqual(expect.arrayContaining(['code', 'amount', 'currency', 'dunning_policy', 'catch_up_policy']));
    expect(Object.keys(createPlan?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '422']),
    );
    expect(createPlan?.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header' }),
    );
    expect(document.paths['/v1/plans']?.['get']?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'status']),
    );
  });

  apiTest('GET /docs serves swagger-ui with its assets', async ({ app }) => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    const asset = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });

    expectStatus(page, 200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expectStatus(asset, 200);
  });
});
