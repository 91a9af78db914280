// The merchant's lifecycle commands: each in ONE transaction with the subscription row locked,
// decided by decide.ts (the domain), written through store/subscription-lifecycle.ts with the
// version bumped, the stored next action recomputed and an audit row per change. A repeat that
// changes nothing writes nothing and answers the subscription as it is.
import { requestVoidOfUncapturedCharges } from '../store/charge-money.js';
import { IllegalTransitionError, phaseForPeriod, type CancelMode } from '../domain/index.js';
import { auditMany, type Actor, type AuditEntry } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import {
  deletePendingPhase,
  findPlanVersionForChange,
  findSubscriptionToken,
  insertSubscriptionPhase,
  lockSubscriptionForLifecycle,
  lockTokenAndSubscriptions,
  readPlanChangeRows,
  revokeCustomerTokenRow,
  setPhasePlanVersion,
  updateSubscriptionVersioned,
  voidUnchargedOpenInvoices,
} from '../store/subscription-lifecycle.js';
import { decideChangePlan, decideLifecycle, decideTokenRevoked, type LifecycleCommand } from './decide.js';

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

export interface ChangePlanInput {
  readonly planId: string;
  /** The plan's version number; null: its latest. */
  readonly planVersion: number | null;
}

export type ChangePlanResult =
  | LifecycleResult
  | { readonly kind: 'no_plan' }
  | { readonly kind: 'no_version' }
  | { readonly kind: 'plan_archived' }
  | {
      readonly kind: 'currency_mismatch';
      readonly subscriptionCurrency: string;
      readonly planCurrency: string;
    };

/**
 * Changes the subscription's plan from its next period: one transaction with the row locked,
 * decided by decideChangePlan, a phase added (or the pending one replaced or withdrawn), the
 * version bumped, audited. Nothing is charged or refunded now (no proration); the renewal engine
 * bills the next period in the new phase.
 */
export async function changeSubscriptionPlan(
  db: Db,
  ctx: CommandContext,
  input: ChangePlanInput,
): Promise<ChangePlanResult> {
  return refusals(() =>
    inTransaction(db, async (tx): Promise<ChangePlanResult> => {
      const locked = await lockSubscriptionForLifecycle(tx, ctx.merchantId, ctx.subscriptionId);
      if (locked === null) return { kind: 'not_found' };
      const { row } = locked;
      const target = await findPlanVersionForChange(tx, ctx.merchantId, input.planId, input.planVersion);
      if (target.kind !== 'found') return target;
      const { phases, newestInvoice } = await readPlanChangeRows(tx, row.id);
      const ahead = newestInvoice !== null && newestInvoice.periodIndex >= row.periodIndex;
      const currentIndex = ahead ? newestInvoice.periodIndex : row.periodIndex;
      const current = phaseForPeriod(phases, currentIndex);
      if (current === undefined)
        throw new Error(`subscription ${row.id} has no phase for period ${currentIndex}`);
      const pending = phases.filter((p) => p.firstPeriodIndex > currentIndex).at(-1) ?? null;
      const decision = decideChangePlan({
        status: row.status,
        currency: row.currency,
        currentPeriod: { index: currentIndex, end: ahead ? newestInvoice.periodEnd : row.currentPeriodEnd },
        currentPlanVersionId: current.planVersionId,
        pending,
        target: {
          planVersionId: target.version.id,
          currency: target.plan.currency,
          archived: target.plan.archived,
        },
      });
      switch (decision.kind) {
        case 'noop':
          return { kind: 'done', changed: false };
        case 'currency_mismatch':
        case 'plan_archived':
          return decision;
        case 'add_phase':
          await insertSubscriptionPhase(tx, {
            merchantId: ctx.merchantId,
            subscriptionId: row.id,
            planVersionId: decision.phase.planVersionId,
            anchorAt: decision.phase.anchorAt,
            timeZone: row.timeZone,
            firstPeriodIndex: decision.phase.firstPeriodIndex,
            at: ctx.now,
          });
          break;
        case 'replace_pending':
          await setPhasePlanVersion(tx, decision.phaseId, decision.planVersionId);
          break;
        case 'withdraw_pending':
          await deletePendingPhase(tx, decision.phaseId);
          break;
      }
      // The row itself does not change but its version: readers that cached it see the change.
      await updateSubscriptionVersioned(tx, { id: row.id, version: row.version, data: {}, at: ctx.now });
      const effective =
        decision.kind === 'add_phase'
          ? decision.phase
          : (phases.find((p) => p.id === decision.phaseId) ?? null);
      await auditMany(tx, [
        {
          actor: ctx.actor,
          merchantId: ctx.merchantId,
          subscriptionId: row.id,
          entityType: 'subscription',
          entityId: row.id,
          action:
            decision.kind === 'withdraw_pending'
              ? 'subscription.plan_change_withdrawn'
              : 'subscription.plan_changed',
          before: { plan_version_id: pending?.planVersionId ?? current.planVersionId },
          after: {
            plan_version_id: decision.kind === 'withdraw_pending' ? current.planVersionId : target.version.id,
            plan_id: target.plan.id,
            plan_version: target.version.version,
            from_period_index: effective?.firstPeriodIndex ?? null,
            phase_anchor_at: effective?.anchorAt.toISOString() ?? null,
            proration: 'NONE',
          },
          at: ctx.now,
        },
      ]);
      return { kind: 'done', changed: true };
    }),
  );
}
