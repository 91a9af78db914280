// One demo run, once the system is up and the merchant exists: its plans, the signups, the months, and
// the summary read from the database and the sandbox's ledger.
import { setTimeout as sleep } from 'node:timers/promises';
import { RebillApi } from '../http/rebill-api.js';
import { SandboxSim } from '../http/sandbox-sim.js';
import type { DemoOptions } from '../options.js';
import type { RunningSystem } from '../processes/system.js';
import { FigureReader, ledgerFigures } from '../report/figures.js';
import type { Progress } from '../report/progress.js';
import type { DemoSummary } from '../report/summary.js';
import type { DemoSettings } from '../settings.js';
import { scriptCustomers } from '../script/behaviours.js';
import { createPlans, type DemoMerchant } from './merchant.js';
import { runMonths } from './months.js';
import { signUpCustomers } from './signups.js';

export interface DemoRun {
  readonly summary: DemoSummary;
  /** The demo merchant's figures, read again (for the status lines of a real-time run). */
  readonly figures: FigureReader;
}

export async function runDemo(
  system: RunningSystem,
  merchant: DemoMerchant,
  options: DemoOptions,
  progress: Progress,
  settings: Pick<DemoSettings, 'databaseUrl' | 'operatorToken'>,
): Promise<DemoRun> {
  const { databaseUrl, operatorToken } = settings;
  const api = new RebillApi(system.apiUrl, merchant.apiKey, operatorToken);
  const sim = new SandboxSim(system.sandboxUrl);
  const figures = await FigureReader.open(databaseUrl, merchant.id);
  const plans = await createPlans(api, options.realTime);
  const scripts = scriptCustomers(options.seed, options.customers, options.months);
  const subscriptions = await signUpCustomers(api, sim, scripts, plans, (done) =>
    progress.signups(done, scripts.length),
  );
  const approved = scripts.filter((s) => s.signup === 'APPROVE').length;
  if (!options.realTime) await api.advanceClock('PT1S');
  await untilActive(figures, approved);
  if (!options.realTime) {
    await runMonths({
      api,
      sim,
      figures,
      progress,
      subscriptions,
      months: options.months,
      stepDays: options.short ? 7 : 1,
    });
  }
  const summary: DemoSummary = {
    seed: options.seed,
    customers: options.customers,
    months: options.realTime ? 0 : options.months,
    merchantId: merchant.id,
    klarnaAccount: merchant.klarnaAccount,
    currency: 'EUR',
    rebill: await figures.rebill(),
    ledger: await ledgerFigures(sim, merchant.klarnaAccount),
  };
  return { summary, figures };
}

/** Waits for the approved signups' webhooks and first charges: every one ACTIVE. */
async function untilActive(figures: FigureReader, approved: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const active = (await figures.rebill()).subscriptionsByStatus.ACTIVE ?? 0;
    if (active >= approved) return;
    if (Date.now() > deadline) {
      throw new Error(`${active} of ${approved} approved signups became ACTIVE within 120 s`);
    }
    await sleep(250);
  }
}
