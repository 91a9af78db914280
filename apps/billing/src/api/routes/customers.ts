// Customers of the calling merchant, by the merchant's own reference.
import type { FastifyInstance } from 'fastify';
import { createCustomer, getCustomer, listCustomers } from '../../store/customers.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem } from '../problems.js';
import { idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import { createCustomerBody, customerSchema, listCustomersQuery } from '../schemas/customers.js';
import { customerView } from '../views/customers.js';
import { sendList, zodApp } from './common.js';

const tags = ['Customers'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.post(
    '/customers',
    {
      schema: {
        tags,
        summary: 'Create a customer',
        headers: idempotentHeaders,
        body: createCustomerBody,
        response: { 201: customerSchema, ...problemResponses(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const result = await createCustomer(deps.db, {
        merchantId: caller.merchantId,
        externalRef: body.external_ref,
        email: body.email ?? null,
        name: body.name ?? null,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      switch (result.kind) {
        case 'created':
          return reply.code(201).send(customerView(result.customer));
        case 'duplicate_external_ref':
          return sendProblem(
            request,
            reply,
            problem('already-exists', 'A customer with this external_ref already exists.', {
              errors: [{ field: 'external_ref', message: 'is already used by another customer' }],
            }),
          );
      }
    },
  );

  api.get(
    '/customers',
    {
      schema: {
        tags,
        summary: 'List customers, newest first',
        querystring: listCustomersQuery,
        response: { 200: listOf(customerSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      return sendList(
        request,
        reply,
        { name: 'customers', query: request.query },
        (page) => listCustomers(deps.db, merchantId, page),
        customerView,
      );
    },
  );

  api.get(
    '/customers/:id',
    {
      schema: {
        tags,
        summary: 'Read a customer',
        params: idParams,
        response: { 200: customerSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const customer = await getCustomer(deps.db, callerOf(request).merchantId, request.params.id);
      if (customer === null) return sendProblem(request, reply, notFoundProblem('customer'));
      return reply.send(customerView(customer));
    },
  );
}
