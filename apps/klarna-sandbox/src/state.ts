// All of the sandbox's state in one place: built at start, cleared by POST /__sim/reset.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock } from './clock.js';
import type { SandboxConfig } from './config.js';
import type { SandboxEvents } from './events.js';
import { IdempotencyStore } from './idempotency/store.js';
import { Ledger } from './ledger/ledger.js';
import { PaymentRequestEngine } from './payment-requests/engine.js';
import { ScenarioStore } from './scenarios/store.js';
import { settingsFromConfig, type SandboxSettings } from './settings.js';
import { CustomerTokenStore } from './tokens/customer-tokens.js';
import { SessionTokenStore } from './tokens/session-tokens.js';
import type { TransactionLimits } from './transactions/model.js';
import { PaymentTransactions } from './transactions/service.js';

export interface SandboxState {
  paymentRequests: PaymentRequestEngine;
  customerTokens: CustomerTokenStore;
  sessionTokens: SessionTokenStore;
  ledger: Ledger;
  transactions: PaymentTransactions;
  settings: SandboxSettings;
  idempotency: IdempotencyStore;
  scenarios: ScenarioStore;
}

export interface StateInput {
  config: SandboxConfig;
  clock: SimClock;
  events: SandboxEvents;
  log: FastifyBaseLogger;
  publicBaseUrl: () => string;
  /** Tests only: smaller per-transaction limits (§18.7) than Klarna's 200/500. */
  transactionLimits?: TransactionLimits | undefined;
}

export async function createSandboxState({
  config,
  clock,
  events,
  log,
  publicBaseUrl,
  transactionLimits,
}: StateInput): Promise<SandboxState> {
  const customerTokens = new CustomerTokenStore();
  const sessionTokens = new SessionTokenStore();
  const ledger = await Ledger.open({ file: config.ledgerFile, log });
  return {
    paymentRequests: new PaymentRequestEngine({
      clock,
      events,
      customerTokens,
      sessionTokens,
      publicBaseUrl,
      log,
    }),
    customerTokens,
    sessionTokens,
    ledger,
    transactions: new PaymentTransactions({ clock, events, ledger, log, limits: transactionLimits }),
    settings: settingsFromConfig(config),
    idempotency: new IdempotencyStore({ now: () => clock.now(), maxKeys: config.idempotencyMaxKeys }),
    scenarios: new ScenarioStore(config.latencyMs > 0 ? { type: 'fixed', ms: config.latencyMs } : undefined),
  };
}

/** Back to a fresh start; the ledger survives unless asked (it is the record of what was charged). */
export async function resetSandboxState(
  state: SandboxState,
  config: SandboxConfig,
  events: SandboxEvents,
  opts: { clearLedger: boolean },
): Promise<void> {
  state.paymentRequests.clear();
  state.customerTokens.clear();
  state.sessionTokens.clear();
  state.transactions.clear();
  state.idempotency.clear();
  state.scenarios.reset();
  Object.assign(state.settings, settingsFromConfig(config));
  if (opts.clearLedger) await state.ledger.clear();
  events.emit('sandbox.reset');
}
