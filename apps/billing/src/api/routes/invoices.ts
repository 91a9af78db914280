// Invoices of the calling merchant (issued by the billing roles): list and read with lines.
import type { FastifyInstance } from 'fastify';
import { getInvoice, listInvoices } from '../../store/invoices.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, sendProblem } from '../problems.js';
import { idParams, listOf, problemResponses } from '../schemas/common.js';
import { invoiceDetailSchema, invoiceSchema, listInvoicesQuery } from '../schemas/invoices.js';
import { invoiceDetailView, invoiceView } from '../views/invoices.js';
import { sendList, zodApp } from './common.js';

const tags = ['Invoices'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.get(
    '/invoices',
    {
      schema: {
        tags,
        summary: 'List invoices, newest first',
        description:
          "`held=true` is the operators' view: invoices held until someone acts (see `hold.reason`).",
        querystring: listInvoicesQuery,
        response: { 200: listOf(invoiceSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { subscription_id: subscriptionId, status, held } = request.query;
      return sendList(
        request,
        reply,
        {
          name: 'invoices',
          query: request.query,
          filters: { subscription_id: subscriptionId, status, held },
        },
        (page) =>
          listInvoices(
            deps.db,
            merchantId,
            { subscriptionId, status, held: held === undefined ? undefined : held === 'true' },
            page,
          ),
        invoiceView,
      );
    },
  );

  api.get(
    '/invoices/:id',
    {
      schema: {
        tags,
        summary: 'Read an invoice with its lines',
        params: idParams,
        response: { 200: invoiceDetailSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const invoice = await getInvoice(deps.db, callerOf(request).merchantId, request.params.id);
      if (invoice === null) return sendProblem(request, reply, notFoundProblem('invoice'));
      return reply.send(invoiceDetailView(invoice));
    },
  );
}
