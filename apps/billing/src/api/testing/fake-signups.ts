// A stand-in for the signup service behind the SubscriptionSignups port, for the API's tests. It
// records every call and writes the rows a signup writes (subscription, phase, payment request,
// the Idempotency-Key record's resourceId) so the routes answer from real rows; what Klarna says
// is scripted: `klarna` decides the outcome of the next calls, `hold()` keeps calls in flight.
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import { markJourneyOpened, subscriptionExists, writeSignupRows } from '../../store/testing/signup-rows.js';
import type { StartSignupInput, StartSignupResult, SubscriptionSignups } from '../ports.js';

export type KlarnaScript =
  | { kind: 'opens_journey' }
  | { kind: 'unavailable'; retryAfterSeconds: number }
  | { kind: 'rejected'; errorCode: string | null; parameters: string[] };

export type SignupCall =
  | { method: 'start'; input: StartSignupInput }
  | { method: 'resume'; merchantId: string; subscriptionId: string; actor: Actor };

export class FakeSignups implements SubscriptionSignups {
  readonly calls: SignupCall[] = [];
  klarna: KlarnaScript = { kind: 'opens_journey' };
  private gate: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Calls wait until the returned function is called. */
  hold(): () => void {
    let release = (): void => undefined;
    this.gate = new Promise<void>((resolve) => {
      release = () => {
        this.gate = null;
        resolve();
      };
    });
    return release;
  }

  reset(): void {
    this.calls.length = 0;
    this.klarna = { kind: 'opens_journey' };
    this.gate = null;
  }

  async start(input: StartSignupInput): Promise<StartSignupResult> {
    this.calls.push({ method: 'start', input });
    await this.gate;
    const rows = await writeSignupRows(this.db, { ...input, at: this.clock.now() });
    if (rows.kind !== 'created') return rows;
    return this.askKlarna(rows.subscriptionId);
  }

  async resume(merchantId: string, subscriptionId: string, actor: Actor): Promise<StartSignupResult> {
    this.calls.push({ method: 'resume', merchantId, subscriptionId, actor });
    await this.gate;
    if (!(await subscriptionExists(this.db, merchantId, subscriptionId))) {
      throw new Error(`resume of unknown subscription ${subscriptionId}`);
    }
    return this.askKlarna(subscriptionId);
  }

  private async askKlarna(subscriptionId: string): Promise<StartSignupResult> {
    const script = this.klarna;
    switch (script.kind) {
      case 'opens_journey':
        await markJourneyOpened(this.db, subscriptionId, this.clock.now());
        return { kind: 'started', subscriptionId };
      case 'unavailable':
        return { kind: 'klarna_unavailable', subscriptionId, retryAfterSeconds: script.retryAfterSeconds };
      case 'rejected':
        return {
          kind: 'klarna_rejected',
          subscriptionId,
          errorCode: script.errorCode,
          parameters: script.parameters,
        };
    }
  }
}
