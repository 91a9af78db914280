// Applies a stored Klarna notification: its payment request fact goes to the signup, with the
// tokens opened from the row's sealed secrets (the stored payload only holds "[sealed]").
// Runs right after the event was acknowledged, and again from the sweep for events whose apply
// failed or never ran; applying twice is harmless (the fact is then a duplicate).
import { isKlarnaPaymentRequestState } from '../domain/index.js';
import { parsePaymentRequest } from '../klarna/payment-request-view.js';
import { PAYMENT_REQUEST_EVENT_PREFIX } from '../klarna/webhook-envelope.js';
import type { SignupDeps } from '../signup/deps.js';
import { applyJourneyFact } from '../signup/journey-fact.js';
import { KLARNA_ACTOR } from '../store/audit.js';
import { findWebhookEvent, recordApply, type ApplyVerdict } from '../store/webhook-events.js';
import { openWebhookSecrets } from '../vault/webhook-secrets.js';

/** An event about a journey Rebill has not linked yet is retried this many times, then ignored. */
const MAX_NOT_LINKED_APPLIES = 20;

export type ApplyEventResult = ApplyVerdict | 'ALREADY_DONE' | 'NOT_FOUND';

export async function applyStoredEvent(deps: SignupDeps, webhookEventId: string): Promise<ApplyEventResult> {
  const row = await findWebhookEvent(deps.db, webhookEventId);
  if (row === null) return 'NOT_FOUND';
  if (row.status === 'PROCESSED' || row.status === 'IGNORED') return 'ALREADY_DONE';
  const finish = async (verdict: ApplyVerdict, error: string | null): Promise<ApplyVerdict> => {
    await recordApply(deps.db, row, verdict, { error, now: deps.clock.now() });
    return verdict;
  };
  try {
    if (!row.eventType.startsWith(PAYMENT_REQUEST_EVENT_PREFIX))
      return finish('IGNORED', 'event type not handled');
    const parsed = parsePaymentRequest(row.payload);
    if (!parsed.ok) return finish('IGNORED', `payload unreadable at ${parsed.field || 'payload'}`);
    const view = parsed.view;
    if (!isKlarnaPaymentRequestState(view.state)) return finish('IGNORED', 'unknown payment request state');
    const secrets =
      row.sealedSecrets === null || row.sealedKeyId === null
        ? {}
        : openWebhookSecrets(
            deps.vault,
            { keyId: row.sealedKeyId, ciphertext: Buffer.from(row.sealedSecrets) },
            row.id,
          );
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
    );
    switch (result.kind) {
      case 'applied':
        return finish('PROCESSED', null);
      case 'ignored':
        return finish('PROCESSED', `no change: ${result.why}`);
      case 'unknown_request':
        return finish('IGNORED', 'no Rebill journey with this payment request');
      case 'not_linked_yet':
        return row.applyCount + 1 >= MAX_NOT_LINKED_APPLIES
          ? finish('IGNORED', 'journey never linked')
          : finish('FAILED', 'journey not linked yet');
    }
  } catch (error) {
    deps.log.error(
      { err: error, webhookEventId: row.id, eventType: row.eventType },
      'applying a webhook event failed',
    );
    return finish('FAILED', errorLabel(error));
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
