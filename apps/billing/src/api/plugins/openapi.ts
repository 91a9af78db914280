// rebill-openapi: the OpenAPI 3.1 document generated from the routes' zod schemas, served at
// GET /openapi.json, and swagger-ui at GET /docs. Both unauthenticated. Register it before the
// routes: it collects them as they are added.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { PROBLEM_BASE_URI, PROBLEM_TYPES } from '../problems.js';

const DESCRIPTION = `Rebill's merchant API: plans, customers, subscriptions, invoices and charges.

JSON in and out, snake_case. Amounts are integers of minor units with a \`currency\`; timestamps are
RFC 3339 with milliseconds. Lists are cursor-paginated (\`limit\` 1..100, \`cursor\` from
\`next_cursor\`). Every POST accepts an \`Idempotency-Key\` (replayed for 24 hours).

Errors are RFC 9457 problem details (\`application/problem+json\`) with one of these \`type\`s:

${Object.entries(PROBLEM_TYPES)
  .map(([slug, { status, title }]) => `- \`${PROBLEM_BASE_URI}${slug}\` (${status}): ${title}`)
  .join('\n')}`;

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'Rebill API', version: '1.0.0', description: DESCRIPTION },
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'rbk_<prefix>_<secret>' },
          },
        },
        security: [{ apiKey: [] }],
      },
      transform: createJsonSchemaTransform({ skipList: [] }),
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  },
  { name: 'rebill-openapi', fastify: '5.x' },
);
