// SIM-ONLY: GET /__sim/ledger?reference=&customer_token=&account_id= (every authorized transaction).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http/validation.js';
import type { Ledger } from '../ledger/ledger.js';

const ledgerQuery = z
  .object({
    reference: z.string().min(1).optional(),
    customer_token: z.string().min(1).optional(),
    account_id: z.string().min(1).optional(),
  })
  .strict();

export function registerSimLedgerRoutes(app: FastifyInstance, ledger: Ledger): void {
  app.get('/__sim/ledger', (request) => {
    const query = parseOr400(ledgerQuery, request.query);
    const entries = ledger.query(query);
    return { count: entries.length, entries };
  });
}
