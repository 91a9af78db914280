// Applies a stored Klarna notification: its payment request fact goes to the signup, with the
// tokens opened from the row's sealed secrets (the stored payload only holds "[sealed]"); a
// payment transaction event is a hint compared with the charge's rows (apply-transaction-hint.ts).
// Runs right after the event was acknowledged, and again from the sweep for events whose apply
// failed or never ran; applying twice is harmless (the fact is then a duplicate). The verdict is
// recorded in the same transaction as the fact it applied.
import { isKlarnaPaymentRequestState } from '../domain/index.js';
import { parsePaymentRequest } from '../klarna/payment-request-view.js';
import { PAYMENT_REQUEST_EVENT_PREFIX } from '../klarna/webhook-envelope.js';
import type { SignupDeps } from '../signup/deps.js';
import { applyJourneyFact, type JourneyFactResult } from '../signup/journey-fact.js';
import { KLARNA_ACTOR } from '../store/audit.js';
import type { DbOrTx } from '../store/db.js';
import {
  findWebhookEvent,
  recordApply,
  type AppliableWebhookEvent,
  type ApplyVerdict,
} from '../store/webhook-events.js';
import { openWebhookSecrets, type WebhookSecrets } from '../vault/webhook-secrets.js';
import { applyTransactionHint } from './apply-transaction-hint.js';
import { PAYMENT_TRANSACTION_EVENT_PREFIX } from './transaction-hint.js';

/** An event about a journey Rebill has not linked yet is retried this many times, then ignored. */
const MAX_NOT_LINKED_APPLIES = 20;

export type ApplyEventResult = ApplyVerdict | 'ALREADY_DONE' | 'NOT_FOUND';

/** What the ingester has in hand once it stored an event: the row as inserted, and the tokens it parsed. */
export interface ReceivedEvent {
  readonly row: AppliableWebhookEvent;
  readonly secrets: WebhookSecrets;
}

/** Applies the stored event (the sweep's job, and the ingester's after its grace period). */
export async function applyStoredEvent(deps: SignupDeps, webhookEventId: string): Promise<ApplyEventResult> {
  const row = await findWebhookEvent(deps.db, webhookEventId);
  if (row === null) return 'NOT_FOUND';
  if (row.status === 'PROCESSED' || row.status === 'IGNORED') return 'ALREADY_DONE';
  return applyEvent(deps, row, () =>
    row.sealedSecrets === null || row.sealedKeyId === null
      ? {}
      : openWebhookSecrets(
          deps.vault,
          { keyId: row.sealedKeyId, ciphertext: Buffer.from(row.sealedSecrets) },
          row.id,
        ),
  );
}

/**
 * The ingester's apply right after storing: the row it inserted and the tokens it parsed are in
 * hand, so nothing is read back or decrypted. Until the row's nextAttemptAt no sweep can have
 * taken the event; after it (a backlog), the stored row is read as the sweep's job reads it.
 */
export async function applyReceivedEvent(
  deps: SignupDeps,
  received: ReceivedEvent,
): Promise<ApplyEventResult> {
  if (deps.clock.now().getTime() >= received.row.nextAttemptAt.getTime()) {
    return applyStoredEvent(deps, received.row.id);
  }
  return applyEvent(deps, received.row, () => received.secrets);
}

async function applyEvent(
  deps: SignupDeps,
  row: AppliableWebhookEvent,
  secretsOf: () => WebhookSecrets,
): Promise<ApplyVerdict> {
  const record = async (db: DbOrTx, verdict: ApplyVerdict, error: string | null): Promise<ApplyVerdict> => {
    await recordApply(db, row, verdict, { error, now: deps.clock.now() });
    return verdict;
  };
  try {
    if (row.eventType.startsWith(PAYMENT_TRANSACTION_EVENT_PREFIX))
      return await applyTransactionHint(deps.db, row, deps.clock.now(), record);
    if (!row.eventType.startsWith(PAYMENT_REQUEST_EVENT_PREFIX))
      return await record(deps.db, 'IGNORED', 'event type not handled');
    const parsed = parsePaymentRequest(row.payload);
    if (!parsed.ok)
      return await record(deps.db, 'IGNORED', `payload unreadable at ${parsed.field || 'payload'}`);
    const view = parsed.view;
    if (!isKlarnaPaymentRequestState(view.state))
      return await record(deps.db, 'IGNORED', 'unknown payment request state');
    const secrets = secretsOf();
    const result = await applyJourneyFact(
      deps,
      {
        klarnaPaymentRequestId: view.paymentRequestId,
        reference: view.reference,
        merchantId: row.merchantId,
        state: view.state,
        stateReason: view.stateReason,
        occurredAt: row.occurredAt,
        expiresAt: view.expiresAt,
        stateExpiresAt: view.stateExpiresAt,
        url: view.url,
        // Only the sealed copies are real: the stored payload's token fields read "[sealed]".
        customerToken: secrets.customerToken,
        customerTokenScopes: view.scopes,
        networkSessionToken: secrets.networkSessionToken,
      },
      KLARNA_ACTOR,
      async (tx, applied) => {
        const [verdict, error] = verdictOf(row, applied);
        await record(tx, verdict, error);
      },
    );
    return verdictOf(row, result)[0];
  } catch (error) {
    deps.log.error(
      { err: error, webhookEventId: row.id, eventType: row.eventType },
      'applying a webhook event failed',
    );
    return record(deps.db, 'FAILED', errorLabel(error));
  }
}

function verdictOf(
  row: Pick<AppliableWebhookEvent, 'applyCount'>,
  result: JourneyFactResult,
): [ApplyVerdict, string | null] {
  switch (result.kind) {
    case 'applied':
      return ['PROCESSED', null];
    case 'ignored':
      return ['PROCESSED', `no change: ${result.why}`];
    case 'unknown_request':
      return ['IGNORED', 'no Rebill journey with this payment request'];
    case 'not_linked_yet':
      return row.applyCount + 1 >= MAX_NOT_LINKED_APPLIES
        ? ['IGNORED', 'journey never linked']
        : ['FAILED', 'journey not linked yet'];
  }
}

/** What is kept of an error in the database: its name and code, never a message that could hold data. */
function errorLabel(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}:${code}` : error.name;
  }
  return 'unknown error';
}
