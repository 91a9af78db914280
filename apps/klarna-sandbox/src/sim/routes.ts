// Registers the SIM-ONLY controls of the core (webhook controls live in webhooks/routes.ts).
import type { FastifyInstance } from 'fastify';
import type { SimClock } from '../clock.js';
import type { SandboxState } from '../state.js';
import { registerSimClockRoutes } from './clock-routes.js';
import { registerSimLedgerRoutes } from './ledger-routes.js';
import { registerSimPaymentRequestRoutes } from './payment-request-routes.js';
import { registerSimResetRoute } from './reset-routes.js';
import { registerSimScenarioRoutes } from './scenario-routes.js';
import { registerSimSettingsRoutes } from './settings-routes.js';
import { registerSimTokenRoutes } from './token-routes.js';

export function registerSimRoutes(
  app: FastifyInstance,
  state: SandboxState,
  clock: SimClock,
  reset: (opts: { clearLedger: boolean }) => Promise<void>,
): void {
  registerSimPaymentRequestRoutes(app, state.paymentRequests);
  registerSimTokenRoutes(app, state.customerTokens, clock);
  registerSimSettingsRoutes(app, state.settings);
  registerSimLedgerRoutes(app, state.ledger);
  registerSimScenarioRoutes(app, state.scenarios);
  registerSimClockRoutes(app, clock);
  registerSimResetRoute(app, reset);
}
