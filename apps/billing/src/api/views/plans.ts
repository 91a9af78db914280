import { catchUpPolicySchema, parseDunningPolicy } from '../../domain/index.js';
import type { PlanVersionRow, PlanWithVersions } from '../../store/plans.js';
import type { PlanDetailJson, PlanJson, PlanVersionJson } from '../schemas/plans.js';
import { iso, isoOrNull } from './time.js';

export function planVersionView(version: PlanVersionRow): PlanVersionJson {
  // Stored policies went through the same parsers on the way in; parsing again fills in any
  // default a later release adds and fails loudly on a corrupted row.
  const dunning = parseDunningPolicy(version.dunningPolicy);
  const catchUp = catchUpPolicySchema.parse(version.catchUpPolicy);
  return {
    id: version.id,
    object: 'plan_version',
    plan_id: version.planId,
    version: version.version,
    name: version.name,
    amount: version.amountMinor,
    currency: version.currency,
    interval: version.interval,
    interval_count: version.intervalCount,
    trial_days: version.trialDays,
    capture_mode: version.captureMode,
    capture_delay_seconds: version.captureDelaySeconds,
    dunning_policy: {
      retry_offsets_hours: [...dunning.retryOffsetsHours],
      max_attempts: dunning.maxAttempts,
      grace_period_days: dunning.gracePeriodDays,
      final_action: dunning.finalAction,
    },
    catch_up_policy:
      catchUp.kind === 'EACH_MISSED'
        ? { kind: 'EACH_MISSED', max_charges: catchUp.maxCharges }
        : { kind: 'CURRENT_ONLY' },
    created_at: iso(version.createdAt),
  };
}

/** The plan with its latest version (`versions` holds it first: newest first). */
export function planView(plan: PlanWithVersions): PlanJson {
  const latest = plan.versions[0];
  if (latest === undefined) throw new Error(`plan ${plan.id} has no version`);
  return {
    id: plan.id,
    object: 'plan',
    code: plan.code,
    name: plan.name,
    currency: plan.currency,
    status: plan.status,
    latest_version: planVersionView(latest),
    created_at: iso(plan.createdAt),
    updated_at: iso(plan.updatedAt),
    archived_at: isoOrNull(plan.archivedAt),
  };
}

export function planDetailView(plan: PlanWithVersions): PlanDetailJson {
  return { ...planView(plan), versions: plan.versions.map(planVersionView) };
}
