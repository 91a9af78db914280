// The result(s) an authorize call gets before token and session checks: a scripted outcome if a
// scenario rule matched, else the defaults (tokenization: the configured switch, §6 CONFLICT;
// charges and finalize: APPROVED).
import type { TokenizationResult } from '../config.js';
import type { ResultOutcome } from '../scenarios/schema.js';
import type { AuthorizeScenario } from './classify.js';

export type SingleResult = 'APPROVED' | 'DECLINED' | 'STEP_UP_REQUIRED';

export interface ResultSpec {
  result: SingleResult;
  reason?: string | undefined;
}

export interface PlannedResults {
  /** For scenarios with money. */
  payment: ResultSpec;
  /** For scenarios that request a token. */
  token: ResultSpec;
}

function single(outcome: ResultOutcome, part: 'payment' | 'token'): ResultSpec {
  if (outcome.result === 'MIXED') {
    return {
      result: outcome[part],
      reason: part === 'payment' ? outcome.payment_reason : outcome.token_reason,
    };
  }
  return outcome.result === 'DECLINED'
    ? { result: 'DECLINED', reason: outcome.reason }
    : { result: outcome.result };
}

export function planResults(
  scenario: AuthorizeScenario,
  scripted: ResultOutcome | undefined,
  tokenizationDefault: TokenizationResult,
): PlannedResults {
  const fallback: ResultSpec =
    scenario === 'tokenize' || scenario === 'tokenize_and_pay'
      ? { result: tokenizationDefault }
      : { result: 'APPROVED' };
  if (scripted === undefined) return { payment: fallback, token: fallback };
  return { payment: single(scripted, 'payment'), token: single(scripted, 'token') };
}
