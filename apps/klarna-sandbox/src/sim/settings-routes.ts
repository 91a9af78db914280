// SIM-ONLY switches: the tokenization immediate result (§6 CONFLICT) and strict scope checks (§11.1).
import { z } from 'zod';
import { TOKENIZATION_RESULTS } from '../config.js';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';
import type { SandboxSettings } from '../settings.js';

const settingsBody = z
  .object({
    tokenization_result: z.enum(TOKENIZATION_RESULTS).optional(),
    strict_scope_checks: z.boolean().optional(),
  })
  .strict();

export interface SettingsView {
  tokenization_result: SandboxSettings['tokenizationResult'];
  strict_scope_checks: boolean;
}

export function settingsView(settings: SandboxSettings): SettingsView {
  return {
    tokenization_result: settings.tokenizationResult,
    strict_scope_checks: settings.strictScopeChecks,
  };
}

export const registerSimSettingsRoutes: RegisterRoutes = (app, { state: { settings } }) => {
  app.get('/__sim/settings', () => settingsView(settings));

  app.put('/__sim/settings', (request) => {
    const body = parseOr400(settingsBody, request.body ?? {});
    if (body.tokenization_result !== undefined) settings.tokenizationResult = body.tokenization_result;
    if (body.strict_scope_checks !== undefined) settings.strictScopeChecks = body.strict_scope_checks;
    return settingsView(settings);
  });
};
