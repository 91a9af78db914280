// The demo merchant, created as an operator would (`rebill merchant create`), and its plans.
import { randomBytes } from 'node:crypto';
import type { RebillApi } from '../http/rebill-api.js';
import { rebillCommand } from '../processes/command.js';
import type { PlanKey } from '../script/behaviours.js';

export interface DemoMerchant {
  readonly id: string;
  readonly apiKey: string;
  readonly klarnaAccount: string;
}

export async function createMerchant(env: NodeJS.ProcessEnv): Promise<DemoMerchant> {
  const klarnaAccount = `krn:partner:global:account:test:DEMO${randomBytes(4).toString('hex').toUpperCase()}`;
  const stdout = await rebillCommand(
    ['merchant', 'create', '--name', 'Demo Streaming', '--klarna-account', klarnaAccount],
    env,
  );
  const json = stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1);
  const created = JSON.parse(json) as { merchant_id?: unknown; api_key?: unknown };
  if (typeof created.merchant_id !== 'string' || typeof created.api_key !== 'string') {
    throw new Error('`rebill merchant create` printed no merchant id and API key');
  }
  return { id: created.merchant_id, apiKey: created.api_key, klarnaAccount };
}

/** Two monthly plans; with the system clock one daily plan for both, so renewals come while it runs. */
export async function createPlans(api: RebillApi, daily: boolean): Promise<Record<PlanKey, string>> {
  if (daily) {
    const id = await api.createPlan({
      code: 'daily',
      name: 'Daily',
      currency: 'EUR',
      amount: 99,
      interval: 'DAY',
    });
    return { basic: id, pro: id };
  }
  const basic = await api.createPlan({
    code: 'basic',
    name: 'Basic',
    currency: 'EUR',
    amount: 499,
    interval: 'MONTH',
  });
  const pro = await api.createPlan({
    code: 'pro',
    name: 'Pro',
    currency: 'EUR',
    amount: 999,
    interval: 'MONTH',
  });
  return { basic, pro };
}
