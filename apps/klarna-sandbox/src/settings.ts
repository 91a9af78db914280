// Behaviour switches that start from the configuration and can be flipped at run time through
// PUT /__sim/settings (SIM-ONLY).
import type { SandboxConfig, TokenizationResult } from './config.js';

export interface SandboxSettings {
  /** What tokenization (scenarios a and b) answers without a scripted outcome (§6 CONFLICT). */
  tokenizationResult: TokenizationResult;
  /** §11.1: a CNP-only token charged with step_up_config gets 400 (strict) or is evaluated as CP. */
  strictScopeChecks: boolean;
}

export function settingsFromConfig(config: SandboxConfig): SandboxSettings {
  return { tokenizationResult: config.tokenizationResult, strictScopeChecks: config.strictScopeChecks };
}
