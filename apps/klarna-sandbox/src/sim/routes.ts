// Registers the SIM-ONLY controls of the core (webhook controls live in webhooks/routes.ts).
import type { RegisterRoutes } from '../deps.js';
import { registerSimClockRoutes } from './clock-routes.js';
import { registerSimLedgerRoutes } from './ledger-routes.js';
import { registerSimPaymentRequestRoutes } from './payment-request-routes.js';
import { registerSimResetRoute } from './reset-routes.js';
import { registerSimScenarioRoutes } from './scenario-routes.js';
import { registerSimSettingsRoutes } from './settings-routes.js';
import { registerSimTokenRoutes } from './token-routes.js';

export const registerSimRoutes: RegisterRoutes = (app, deps) => {
  for (const register of [
    registerSimPaymentRequestRoutes,
    registerSimTokenRoutes,
    registerSimSettingsRoutes,
    registerSimLedgerRoutes,
    registerSimScenarioRoutes,
    registerSimClockRoutes,
    registerSimResetRoute,
  ]) {
    register(app, deps);
  }
};
