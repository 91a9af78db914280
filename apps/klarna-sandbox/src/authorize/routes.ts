// POST /v2/accounts/{partner_account_id}/payment/authorize: validate, classify, execute.
import type { SimClock } from '../clock.js';
import { SandboxHttpError } from '../contracts.js';
import type { RegisterRoutes } from '../deps.js';
import { partnerAccountOf } from '../http/account.js';
import { forgetKeyOnClose } from '../idempotency/hooks.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { validationFailed, zodValidationErrors } from '../http/validation.js';
import { resolveExpiry } from '../payment-requests/expiry.js';
import { applyFault, isEarlyFault, isFault, loseResponse } from '../scenarios/faults.js';
import { LatencyTimers, sampleLatency } from '../scenarios/latency.js';
import type { MatchInput, ScenarioStore } from '../scenarios/store.js';
import type { SandboxSettings } from '../settings.js';
import { classifyAuthorize } from './classify.js';
import { readAuthorizeHeaders } from './headers.js';
import { planResults } from './results.js';
import { authorizeBodySchema } from './schema.js';
import type { AuthorizeCall, AuthorizeService } from './service.js';

interface AuthorizeRouteDeps {
  clock: SimClock;
  service: AuthorizeService;
  settings: SandboxSettings;
  scenarios: ScenarioStore;
  idempotency: IdempotencyStore;
}

/** Validation in the order a caller fixes things: headers and body shape, then scenario rules, then expiry. */
export function prepareAuthorizeCall(
  deps: AuthorizeRouteDeps,
  accountId: string,
  rawHeaders: Parameters<typeof readAuthorizeHeaders>[0],
  rawBody: unknown,
): Omit<AuthorizeCall, 'planned'> {
  const headers = readAuthorizeHeaders(rawHeaders);
  const parsed = authorizeBodySchema.safeParse(rawBody);
  const errors = parsed.success ? headers.errors : [...headers.errors, ...zodValidationErrors(parsed.error)];
  if (errors.length > 0 || !parsed.success) throw validationFailed(errors);
  const body = parsed.data;
  const classification = classifyAuthorize(body, headers.value);
  if (classification.scenario === undefined) throw validationFailed(classification.errors);

  let stepUpExpiresAt: number | undefined;
  if (body.step_up_config) {
    const expiry = resolveExpiry(
      deps.clock.now(),
      body.step_up_config.customer_interaction_config.interaction_expiry,
    );
    if ('error' in expiry) throw validationFailed([expiry.error]);
    stepUpExpiresAt = expiry.expiresAt;
  }
  return {
    accountId,
    scenario: classification.scenario,
    body,
    rawBody: rawBody as Record<string, unknown>,
    headers: headers.value,
    stepUpExpiresAt,
  };
}

function matchInputOf(call: Omit<AuthorizeCall, 'planned'>): MatchInput {
  const { body, headers } = call;
  return {
    operation: 'authorize',
    accountId: call.accountId,
    scenario: call.scenario,
    customerToken: headers.customerToken,
    customerTokenReference: body.request_customer_token?.customer_token_reference,
    paymentTransactionReference: body.request_payment_transaction?.payment_transaction_reference,
    paymentRequestReference: body.step_up_config?.payment_request_reference,
    amount: body.request_payment_transaction?.amount,
    currency: body.currency,
  };
}

export const registerAuthorizeRoutes: RegisterRoutes = (app, sandbox) => {
  const deps: AuthorizeRouteDeps = {
    clock: sandbox.clock,
    service: sandbox.authorize,
    settings: sandbox.state.settings,
    scenarios: sandbox.state.scenarios,
    idempotency: sandbox.state.idempotency,
  };
  const latency = new LatencyTimers();
  app.addHook('onClose', (_instance, done) => {
    latency.close();
    done();
  });
  // A 5xx, so the idempotency key is not stored; the connection is closing anyway.
  const closing = () => new SandboxHttpError(503, 'TEMPORARILY_UNAVAILABLE', 'The sandbox is shutting down');

  app.post<{ Params: { partner_account_id: string } }>(
    '/v2/accounts/:partner_account_id/payment/authorize',
    (request, reply) => {
      const accountId = partnerAccountOf(request);
      const call = prepareAuthorizeCall(deps, accountId, request.headers, request.body);
      const rule = deps.scenarios.isEmpty ? undefined : deps.scenarios.take(matchInputOf(call));
      const outcome = rule?.outcome;

      const run = () => {
        if (outcome && isEarlyFault(outcome)) {
          return applyFault(outcome, request, reply, () => forgetKeyOnClose(request, deps.idempotency));
        }
        const scripted = outcome && !isFault(outcome) ? outcome : undefined;
        const planned = planResults(call.scenario, scripted, deps.settings.tokenizationResult);
        const answer = deps.service.execute({ ...call, planned });
        if (outcome?.result === 'LOSE_RESPONSE') {
          return loseResponse(request, reply, deps.idempotency, { status: 200, body: answer });
        }
        return answer;
      };
      // The hot path stays synchronous when no latency is configured.
      const delay = sampleLatency(rule?.latency ?? deps.scenarios.latency);
      if (delay === 0) return run();
      return latency.wait(delay).then((elapsed) => {
        if (!elapsed) throw closing();
        return run();
      });
    },
  );
};
