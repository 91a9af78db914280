// Payment Requests (CONTRACT.md §8): creation, customer actions, cancel, expiry on the SimClock,
// and a `payment_request.state_changed` event for every state change, creation included.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock, SimTimer } from '../clock.js';
import type { CustomerAction, PaymentRequestActions } from '../contracts.js';
import { conflict, notFound, type SandboxError } from '../errors.js';
import type { PaymentRequestState, SandboxEvents } from '../events.js';
import { newPaymentRequestId } from '../ids.js';
import type { CustomerTokenStore } from '../tokens/customer-tokens.js';
import type { SessionTokenStore } from '../tokens/session-tokens.js';
import {
  paymentRequestView,
  stateChangePayload,
  type PaymentRequestRecord,
  type PaymentRequestView,
} from './model.js';
import { substituteReturnUrl } from './return-url.js';
import {
  stateChangeEventType,
  transition,
  type PaymentRequestEvent,
  type StateReason,
} from './state-machine.js';

/** How long an ended request stays readable after its expires_at before reads answer 404 (§8.2). */
export const RETENTION_AFTER_EXPIRY_MS = 24 * 3_600_000;

export type NewPaymentRequest = Omit<
  PaymentRequestRecord,
  | 'id'
  | 'state'
  | 'previousState'
  | 'stateReason'
  | 'createdAt'
  | 'updatedAt'
  | 'canceledAt'
  | 'issuedToken'
  | 'sessionToken'
  | 'finalized'
>;

export interface PaymentRequestEngineDeps {
  clock: SimClock;
  events: SandboxEvents;
  customerTokens: CustomerTokenStore;
  sessionTokens: SessionTokenStore;
  /** Read on use: the public base URL may only be known once the server listens. */
  publicBaseUrl: () => string;
  log: FastifyBaseLogger;
}

interface Entry {
  record: PaymentRequestRecord;
  timers: SimTimer[];
}

export class PaymentRequestEngine implements PaymentRequestActions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: PaymentRequestEngineDeps) {}

  /** Creates the request in SUBMITTED (reason PAYMENT_REQUEST_SUBMITTED) and emits the event. */
  create(input: NewPaymentRequest): PaymentRequestRecord {
    const now = this.deps.clock.now();
    const record: PaymentRequestRecord = {
      ...input,
      id: newPaymentRequestId(),
      state: 'SUBMITTED',
      previousState: undefined,
      stateReason: 'PAYMENT_REQUEST_SUBMITTED',
      createdAt: now,
      updatedAt: now,
      canceledAt: undefined,
      issuedToken: undefined,
      sessionToken: undefined,
      finalized: false,
    };
    const id = record.id;
    const timers = [
      this.deps.clock.at(record.expiresAt, () => {
        const state = this.get(id)?.state;
        if (state === 'SUBMITTED' || state === 'IN_PROGRESS') this.apply(id, 'expire');
      }),
      this.deps.clock.at(record.expiresAt + RETENTION_AFTER_EXPIRY_MS, () => {
        const sessionToken = this.get(id)?.sessionToken;
        if (sessionToken) this.deps.sessionTokens.delete(sessionToken.token);
        this.entries.delete(id);
      }),
    ];
    this.entries.set(id, { record, timers });
    this.emit(record);
    return record;
  }

  get(id: string): PaymentRequestRecord | undefined {
    return this.entries.get(id)?.record;
  }

  /** Requests of other accounts are invisible: 404, never 403, so ids do not leak. */
  getForAccount(accountId: string, id: string): PaymentRequestRecord {
    const record = this.get(id);
    if (!record || record.accountId !== accountId) throw requestNotFound(id);
    return record;
  }

  view(id: string): PaymentRequestView | undefined {
    const record = this.get(id);
    return record && paymentRequestView(record, this.deps.publicBaseUrl());
  }

  viewOf(record: PaymentRequestRecord): PaymentRequestView {
    return paymentRequestView(record, this.deps.publicBaseUrl());
  }

  state(id: string): PaymentRequestState | undefined {
    return this.get(id)?.state;
  }

  /**
   * Acts as the customer. complete/decline from SUBMITTED enter the journey first (two
   * transitions, two events), as a customer opening the page and clicking would.
   */
  act(
    id: string,
    action: CustomerAction,
    opts: { declineReason?: StateReason } = {},
  ): { state: PaymentRequestState; redirectUrl?: string } {
    const record = this.get(id);
    if (!record) throw requestNotFound(id);
    if ((action === 'complete' || action === 'decline') && record.state === 'SUBMITTED')
      this.apply(id, 'enter');
    this.apply(id, action, opts.declineReason);
    const redirectUrl = this.redirectUrl(record);
    return redirectUrl === undefined ? { state: record.state } : { state: record.state, redirectUrl };
  }

  /** DELETE …/payment/requests/{id}: cancellable per the adopted reading of §4, else 409. */
  cancel(accountId: string, id: string): PaymentRequestRecord {
    this.getForAccount(accountId, id);
    return this.apply(id, 'cancel');
  }

  /** A finalize was APPROVED: the request can no longer be cancelled. */
  markFinalized(id: string): void {
    const record = this.get(id);
    if (record) record.finalized = true;
  }

  clear(): void {
    for (const entry of this.entries.values()) for (const timer of entry.timers) timer.cancel();
    this.entries.clear();
  }

  private apply(id: string, event: PaymentRequestEvent, declineReason?: StateReason): PaymentRequestRecord {
    const record = this.get(id);
    if (!record) throw requestNotFound(id);
    const ctx =
      declineReason === undefined
        ? { finalized: record.finalized }
        : { finalized: record.finalized, declineReason };
    const next = transition(record.state, event, ctx);
    if (next === 'unchanged') return record;
    if (next === undefined) {
      throw conflict(`Payment request is ${record.state}; cannot ${event} it`);
    }
    const now = this.deps.clock.now();
    record.previousState = record.state;
    record.state = next.to;
    record.stateReason = next.reason;
    record.updatedAt = now;
    if (next.to === 'CANCELED') record.canceledAt = now;
    if (next.to === 'COMPLETED') this.issueTokens(record, now);
    this.emit(record);
    return record;
  }

  private issueTokens(record: PaymentRequestRecord, now: number): void {
    if (record.tokenRequest) {
      record.issuedToken = this.deps.customerTokens.issue({
        accountId: record.accountId,
        scopes: record.tokenRequest.scopes,
        reference: record.tokenRequest.reference,
        now,
      });
    }
    if (record.payment) {
      record.sessionToken = this.deps.sessionTokens.issue({
        accountId: record.accountId,
        paymentRequestId: record.id,
        amount: record.payment.amount,
        currency: record.currency,
        now,
      });
    }
  }

  private redirectUrl(record: PaymentRequestRecord): string | undefined {
    if (record.returnUrl === undefined) return undefined;
    return substituteReturnUrl(record.returnUrl, {
      id: record.id,
      state: record.state,
      reference: record.reference,
      sessionToken: record.sessionToken?.token,
    });
  }

  private emit(record: PaymentRequestRecord): void {
    try {
      this.deps.events.emit('payment_request.state_changed', {
        accountId: record.accountId,
        eventType: stateChangeEventType(record.state),
        occurredAt: record.updatedAt,
        payload: stateChangePayload(record, this.deps.publicBaseUrl()),
      });
    } catch (err) {
      // A subscriber's failure must not undo or fail the state change that already happened.
      this.deps.log.error({ err, paymentRequestId: record.id }, 'state change subscriber failed');
    }
  }
}

function requestNotFound(id: string): SandboxError {
  return notFound(`Payment request ${id} not found`);
}
