// Customers sign up through the real path: the merchant creates the customer and the
// subscription over Rebill's API, and the customer answers Klarna's purchase journey in the
// sandbox (approves, declines, or opens it and walks away, so that it expires).
import type { RebillApi } from '../http/rebill-api.js';
import type { JourneyStep, SandboxSim } from '../http/sandbox-sim.js';
import type { CustomerScript, PlanKey, SignupEnd } from '../script/behaviours.js';
import { inPool } from './pool.js';

export interface SignedUp {
  readonly script: CustomerScript;
  readonly subscriptionId: string;
}

const JOURNEY_STEP: Readonly<Record<SignupEnd, JourneyStep>> = {
  APPROVE: 'complete',
  DECLINE: 'decline',
  ABANDON: 'enter',
};

export async function signUpCustomers(
  api: RebillApi,
  sim: SandboxSim,
  scripts: readonly CustomerScript[],
  plans: Readonly<Record<PlanKey, string>>,
  onSignedUp: (done: number) => void,
): Promise<SignedUp[]> {
  let done = 0;
  return inPool(scripts, 8, async (script) => {
    const customerId = await api.createCustomer(
      `demo-customer-${script.index + 1}`,
      `customer${script.index + 1}@example.com`,
    );
    const subscription = await api.subscribe(customerId, plans[script.plan]);
    const journey = subscription.payment_request_url ?? null;
    if (journey === null) throw new Error(`subscription ${subscription.id} came without a purchase journey`);
    await sim.journey(journey, JOURNEY_STEP[script.signup]);
    done += 1;
    onSignedUp(done);
    return { script, subscriptionId: subscription.id };
  });
}
