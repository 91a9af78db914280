// SIM-ONLY: GET /__sim/ledger?reference=&customer_token=&account_id= (every authorized transaction).
import { z } from 'zod';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';
import type { LedgerEntry } from '../ledger/ledger.js';

export interface LedgerResponse {
  count: number;
  entries: LedgerEntry[];
}

const ledgerQuery = z
  .object({
    reference: z.string().min(1).optional(),
    customer_token: z.string().min(1).optional(),
    account_id: z.string().min(1).optional(),
    payment_transaction_id: z.string().min(1).optional(),
  })
  .strict();

export const registerSimLedgerRoutes: RegisterRoutes = (app, { state: { ledger } }) => {
  app.get('/__sim/ledger', (request) => {
    const query = parseOr400(ledgerQuery, request.query);
    const entries = ledger.query(query);
    const answer: LedgerResponse = { count: entries.length, entries };
    return answer;
  });
};
