// The merchant's lifecycle commands: each in ONE transaction with the subscription row locked,
// decided by decide.ts (the domain), written through store/subscription-lifecycle.ts with the
// version bumped, the stored next action recomputed and an audit row per change. A repeat that
// changes nothing writes nothing and answers the subscription as it is.
import { requestVoidOfUncapturedCharges } from '../store/charge-money.js';
import { IllegalTransitionError, type CancelMode } from '../domain/index.js';
import { auditMany, type Actor, type AuditEntry } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import {
  findSubscriptionToken,
  insertSubscriptionPhase,
  lockSubscriptionForLifecycle,
  lockTokenAndSubscriptions,
  revokeCustomerTokenRow,
  updateSubscriptionVersioned,
  voidUnchargedOpenInvoices,
} from '../store/subscription-lifecycle.js';
import { decideLifecycle, decideTokenRevoked, type LifecycleCommand } from './decide.js';

export type LifecycleCommandInput =
  | { readonly type: 'CANCEL'; readonly mode: CancelMode }
  | { readonly type: 'UNCANCEL' }
  | { readonly type: 'PAUSE' }
  | { readonly type: 'RESUME' };

export interface CommandContext {
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly actor: Actor;
  readonly now: Date;
}

export type LifecycleResult =
  | { readonly kind: 'done'; readonly changed: boolean }
  | { readonly kind: 'not_found' }
  | {
      readonly kind: 'illegal';
      /** The subscription's status when refused. */
      readonly status: string;
      readonly command: string;
      readonly reason: string;
    };

export async function runLifecycleCommand(
  db: Db,
  ctx: CommandContext,
  command: LifecycleCommandInput,
): Promise<LifecycleResult> {
  return refusals(() =>
    inTransaction(db, async (tx): Promise<LifecycleResult> => {
      const locked = await lockSubscriptionForLifecycle(tx, ctx.merchantId, ctx.subscriptionId);
      if (locked === null) return { kind: 'not_found' };
      const { row } = locked;
      const full: LifecycleCommand =
        command.type === 'RESUME' ? { type: 'RESUME', lastPeriodIndex: locked.lastPeriodIndex } : command;
      const decision = decideLifecycle(row, full, ctx.now);
      if (decision.kind === 'noop') return { kind: 'done', changed: false };

      await updateSubscriptionVersioned(tx, {
        id: row.id,
        version: row.version,
        data: decision.patch,
        at: ctx.now,
      });
      const entries: AuditEntry[] = [];
      const audit = (entry: Omit<AuditEntry, 'actor' | 'merchantId' | 'subscriptionId' | 'at'>) =>
        entries.push({
          ...entry,
          actor: ctx.actor,
          merchantId: ctx.merchantId,
          subscriptionId: row.id,
          at: ctx.now,
        });

      if (decision.newPhase !== null) {
        await insertSubscriptionPhase(tx, {
          merchantId: ctx.merchantId,
          subscriptionId: row.id,
          planVersionId: locked.planVersionId,
          anchorAt: decision.newPhase.anchorAt,
          timeZone: row.timeZone,
          firstPeriodIndex: decision.newPhase.firstPeriodIndex,
          at: ctx.now,
        });
      }
      let voided: { voided: string[]; leftOpen: string[] } = { voided: [], leftOpen: [] };
      if (decision.voidOpenInvoices) {
        voided = await voidUnchargedOpenInvoices(tx, {
          merchantId: ctx.merchantId,
          subscriptionId: row.id,
          at: ctx.now,
        });
        // A LATER authorization not yet captured will not be: release it (CONTRACT.md §18.4).
        await requestVoidOfUncapturedCharges(tx, { subscriptionId: row.id, at: ctx.now });
        for (const id of voided.voided) {
          audit({
            entityType: 'invoice',
            entityId: id,
            action: 'invoice.voided',
            before: { status: 'OPEN' },
            after: { status: 'VOID', reason: 'subscription canceled' },
          });
        }
      }
      audit({
        entityType: 'subscription',
        entityId: row.id,
        action: decision.action,
        before: decision.before,
        after: {
          ...decision.after,
          ...(decision.newPhase === null
            ? {}
            : {
                phase_anchor_at: decision.newPhase.anchorAt.toISOString(),
                phase_first_period_index: decision.newPhase.firstPeriodIndex,
              }),
          ...(decision.voidOpenInvoices
            ? { invoices_voided: voided.voided, invoices_left_open: voided.leftOpen }
            : {}),
        },
      });
      await auditMany(tx, entries);
      return { kind: 'done', changed: true };
    }),
  );
}

/** Why a token is revoked when the merchant gives no reason. */
export const DEFAULT_REVOKE_REASON = 'MERCHANT_REQUEST';

export type RevokeResult = LifecycleResult | { readonly kind: 'no_token' } | { readonly kind: 'retry' };

/**
 * Revokes the customer token `subscriptionId` charges: the token becomes REVOKED and every
 * subscription of the merchant on it requires a new token (the renewal engine then treats a due
 * charge as a hard decline without calling Klarna). One transaction; the subscriptions on the
 * token are locked in id order before the token row.
 */
export async function revokeSubscriptionToken(
  db: Db,
  ctx: CommandContext & { readonly reason: string | null },
): Promise<RevokeResult> {
  return refusals(() =>
    inTransaction(db, async (tx): Promise<RevokeResult> => {
      const found = await findSubscriptionToken(tx, ctx.merchantId, ctx.subscriptionId);
      if (found === null) return { kind: 'not_found' };
      if (found.tokenId === null) return { kind: 'no_token' };
      const tokenId = found.tokenId;
      const locked = await lockTokenAndSubscriptions(tx, ctx.merchantId, tokenId);
      // The subscription moved to another token between the read and the lock: rare, ask to retry.
      if (locked === null || !locked.subscriptions.some((s) => s.id === ctx.subscriptionId)) {
        return { kind: 'retry' };
      }
      const entries: AuditEntry[] = [];
      let changed = false;
      for (const subscription of locked.subscriptions) {
        const patch = decideTokenRevoked(subscription, tokenId);
        if (patch === null) continue;
        changed = true;
        await updateSubscriptionVersioned(tx, {
          id: subscription.id,
          version: subscription.version,
          data: patch,
          at: ctx.now,
        });
        entries.push({
          actor: ctx.actor,
          merchantId: ctx.merchantId,
          subscriptionId: subscription.id,
          entityType: 'subscription',
          entityId: subscription.id,
          action: 'subscription.requires_new_token',
          before: { requires_new_token: false },
          after: { requires_new_token: true, token_id: tokenId, cause: 'token revoked' },
          at: ctx.now,
        });
      }
      if (locked.token.status === 'ACTIVE') {
        changed = true;
        const reason = ctx.reason ?? DEFAULT_REVOKE_REASON;
        await revokeCustomerTokenRow(tx, { id: tokenId, reason, at: ctx.now });
        entries.push({
          actor: ctx.actor,
          merchantId: ctx.merchantId,
          subscriptionId: ctx.subscriptionId,
          entityType: 'customer_token',
          entityId: tokenId,
          action: 'customer_token.revoked',
          before: { status: 'ACTIVE' },
          after: {
            status: 'REVOKED',
            reason,
            subscriptions_flagged: entries.map((e) => e.entityId),
          },
          at: ctx.now,
        });
      }
      await auditMany(tx, entries);
      return { kind: 'done', changed };
    }),
  );
}

/** A domain refusal becomes a tagged result (the transaction has rolled back: nothing written). */
async function refusals<T>(
  run: () => Promise<T>,
): Promise<T | Extract<LifecycleResult, { kind: 'illegal' }>> {
  try {
    return await run();
  } catch (error) {
    if (isIllegalTransition(error)) {
      return { kind: 'illegal', status: error.from, command: error.event, reason: error.reason };
    }
    throw error;
  }
}

function isIllegalTransition(error: unknown): error is IllegalTransitionError<string, string> {
  return error instanceof IllegalTransitionError;
}
