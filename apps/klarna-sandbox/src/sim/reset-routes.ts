// SIM-ONLY POST /__sim/reset: forget all state (requests, tokens, keys, scenarios, switches) so a
// test starts clean; the ledger stays unless {"clear_ledger": true}. Other modules listen to
// the `sandbox.reset` event to clear their own state.
import { z } from 'zod';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';

const resetBody = z.object({ clear_ledger: z.boolean().default(false) }).strict();

export const registerSimResetRoute: RegisterRoutes = (app, { reset }) => {
  app.post('/__sim/reset', async (request) => {
    const body = parseOr400(resetBody, request.body ?? {});
    await reset({ clearLedger: body.clear_ledger });
    return { reset: true, ledger_cleared: body.clear_ledger };
  });
};
