// Scripted outcomes (SIM-ONLY): rules matched in insertion order against each authorize call (or,
// with `operation`, each transaction call); the first rule with uses left wins and is consumed.
// Plus the global latency.
import { randomUUID } from 'node:crypto';
import type { AuthorizeScenario } from '../authorize/classify.js';
import type { Latency, Operation, RuleInput, RuleMatch } from './schema.js';

/** What a rule can match on, taken from the validated call. */
export interface MatchInput {
  operation: Operation;
  accountId: string;
  /** Authorize only. */
  scenario: AuthorizeScenario | undefined;
  /** Capture, refund, void and read only. */
  paymentTransactionId?: string | undefined;
  customerToken: string | undefined;
  customerTokenReference: string | undefined;
  paymentTransactionReference: string | undefined;
  paymentRequestReference: string | undefined;
  amount: number | undefined;
  currency: string;
}

export interface Rule extends RuleInput {
  id: string;
  /** Uses left; undefined = always. */
  remaining: number | undefined;
  used: number;
}

export function matches(m: RuleMatch, input: MatchInput): boolean {
  return (
    (m.operation ?? 'authorize') === input.operation &&
    (m.payment_transaction_id === undefined || m.payment_transaction_id === input.paymentTransactionId) &&
    (m.account_id === undefined || m.account_id === input.accountId) &&
    (m.scenario === undefined || m.scenario === input.scenario) &&
    (m.customer_token === undefined || m.customer_token === input.customerToken) &&
    (m.customer_token_reference === undefined ||
      m.customer_token_reference === input.customerTokenReference) &&
    (m.payment_transaction_reference === undefined ||
      m.payment_transaction_reference === input.paymentTransactionReference) &&
    (m.payment_request_reference === undefined ||
      m.payment_request_reference === input.paymentRequestReference) &&
    (m.amount === undefined || m.amount === input.amount) &&
    (m.amount_ends_with === undefined ||
      (input.amount !== undefined && String(input.amount).endsWith(m.amount_ends_with))) &&
    (m.currency === undefined || m.currency === input.currency)
  );
}

export class ScenarioStore {
  private rules: Rule[] = [];
  private globalLatency: Latency | undefined;

  constructor(private readonly defaultLatency: Latency | undefined) {
    this.globalLatency = defaultLatency;
  }

  get latency(): Latency | undefined {
    return this.globalLatency;
  }

  set latency(latency: Latency | undefined) {
    this.globalLatency = latency;
  }

  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  add(input: RuleInput): Rule {
    const remaining = input.times === 'always' ? undefined : input.times === 'once' ? 1 : input.times;
    const rule: Rule = { ...input, id: randomUUID(), remaining, used: 0 };
    this.rules.push(rule);
    return rule;
  }

  replace(rules: RuleInput[], latency: Latency | undefined): void {
    this.rules = [];
    for (const r of rules) this.add(r);
    this.globalLatency = latency ?? this.defaultLatency;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Back to the configured state: no rules, the configured latency. */
  reset(): void {
    this.rules = [];
    this.globalLatency = this.defaultLatency;
  }

  list(): readonly Rule[] {
    return this.rules;
  }

  /** The first matching rule with uses left, consumed by one use. */
  take(input: MatchInput): Rule | undefined {
    for (const rule of this.rules) {
      if (rule.remaining === 0 || !matches(rule.match, input)) continue;
      if (rule.remaining !== undefined) rule.remaining -= 1;
      rule.used += 1;
      return rule;
    }
    return undefined;
  }
}
