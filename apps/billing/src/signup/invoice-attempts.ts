// The next charge attempt of a signup's first invoice: FINALIZE (the network session token) or the
// CUSTOMER_NOT_PRESENT fallback. Numbers count up per invoice; each attempt is its own reference
// and its own Klarna idempotency key, so a fallback never replays the finalize's answer.
import { randomUUID } from 'node:crypto';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import type { NetworkSessionTokenSecret } from '../secrets/secret.js';
import { insertChargeAttempt } from '../store/signup-writes.js';
import type { ChargeAttempt, SignupContext } from '../store/signups.js';
import type { Tx } from '../store/db.js';
import type { Vault } from '../vault/vault.js';
import { sealSessionToken } from '../vault/session-tokens.js';

export type NextAttempt =
  | {
      readonly kind: 'FINALIZE';
      readonly sessionToken: NetworkSessionTokenSecret;
      readonly deadlineAt: Date;
      readonly vault: Vault;
    }
  | { readonly kind: 'CUSTOMER_NOT_PRESENT'; readonly tokenId: string };

export async function insertNextInvoiceAttempt(
  tx: Tx,
  ctx: SignupContext,
  next: NextAttempt,
  at: Date,
): Promise<ChargeAttempt> {
  const invoice = ctx.invoice;
  if (invoice === null) throw new Error(`signup ${ctx.subscription.id} has no invoice to charge`);
  const id = randomUUID();
  return insertChargeAttempt(tx, {
    id,
    merchantId: invoice.merchantId,
    subscriptionId: ctx.subscription.id,
    invoiceId: invoice.id,
    attemptNumber: Math.max(0, ...ctx.attempts.map((a) => a.attemptNumber)) + 1,
    kind: next.kind,
    tokenId: next.kind === 'CUSTOMER_NOT_PRESENT' ? next.tokenId : null,
    idempotencyKey: klarnaIdempotencyKey('charge-attempt', id),
    amountMinor: invoice.amountMinor,
    currency: invoice.currency,
    captureMode: ctx.phase.planVersion.captureMode,
    ...(next.kind === 'FINALIZE'
      ? {
          // Sealed to the attempt's id: a sealed token moved to another row does not open.
          sealedSessionToken: sealSessionToken(next.vault, next.sessionToken, id),
          deadlineAt: next.deadlineAt,
        }
      : {}),
    at,
  });
}
