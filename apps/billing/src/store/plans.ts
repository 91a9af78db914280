// Plans and their immutable versions. A plan is a code, a name and a currency; price, schedule and
// policies live in versions. A new version never touches the old ones (a trigger refuses it), so
// existing subscriptions keep the version their phases point at.
import type { BillingInterval, CatchUpPolicy, DunningPolicy } from '../domain/index.js';
import { audit, type Actor } from './audit.js';
import { isUniqueViolation } from './database-errors.js';
import { inTransaction, type Db, type Tx } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export type PlanVersionRow = Prisma.PlanVersionGetPayload<object>;
/** A plan with versions, newest first (all of them, or only the latest in listings). */
export type PlanWithVersions = Prisma.PlanGetPayload<{ include: { versions: true } }>;
export type PlanStatus = PlanWithVersions['status'];

export interface PlanVersionTerms {
  readonly amountMinor: number;
  readonly interval: BillingInterval;
  readonly intervalCount: number;
  readonly trialDays: number;
  /** NOW (default) captures in the authorize call; LATER captures `captureDelaySeconds` later. */
  readonly captureMode?: 'NOW' | 'LATER';
  /** Default 0; always 0 for NOW. */
  readonly captureDelaySeconds?: number;
}

export interface CreatePlanInput extends PlanVersionTerms {
  readonly merchantId: string;
  readonly code: string;
  readonly name: string;
  readonly currency: string;
  readonly dunningPolicy: DunningPolicy;
  readonly catchUpPolicy: CatchUpPolicy;
  readonly actor: Actor;
  readonly at: Date;
}

export type CreatePlanResult =
  { readonly kind: 'created'; readonly plan: PlanWithVersions } | { readonly kind: 'duplicate_code' };

const ALL_VERSIONS = { versions: { orderBy: { version: 'desc' as const } } };
const LATEST_VERSION = { versions: { orderBy: { version: 'desc' as const }, take: 1 } };

export async function createPlan(db: Db, input: CreatePlanInput): Promise<CreatePlanResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const plan = await tx.plan.create({
        data: {
          merchantId: input.merchantId,
          code: input.code,
          name: input.name,
          currency: input.currency,
          latestVersion: 1,
          createdAt: input.at,
          updatedAt: input.at,
        },
      });
      const version = await tx.planVersion.create({
        data: versionData(plan, 1, input.name, input, input.dunningPolicy, input.catchUpPolicy, input.at),
      });
      await audit(tx, {
        actor: input.actor,
        merchantId: input.merchantId,
        entityType: 'plan',
        entityId: plan.id,
        action: 'created',
        after: { ...planAuditView(plan), version: versionAuditView(version) },
        at: input.at,
      });
      return { kind: 'created', plan: { ...plan, versions: [version] } } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'Plan_merchantId_code_key')) return { kind: 'duplicate_code' };
    throw error;
  }
}

export async function listPlans(
  db: Db,
  merchantId: string,
  filter: { readonly status?: PlanStatus | undefined },
  page: PageQuery,
): Promise<Page<PlanWithVersions>> {
  const rows = await db.plan.findMany({
    where: { merchantId, ...(filter.status ? { status: filter.status } : {}), ...afterKeyset(page.after) },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
    include: LATEST_VERSION,
  });
  return toPage(rows, page.limit);
}

export async function getPlan(db: Db, merchantId: string, id: string): Promise<PlanWithVersions | null> {
  return db.plan.findFirst({ where: { id, merchantId }, include: ALL_VERSIONS });
}

export type ArchivePlanResult =
  | { readonly kind: 'archived' | 'already_archived'; readonly plan: PlanWithVersions }
  | { readonly kind: 'not_found' };

export async function archivePlan(
  db: Db,
  input: { merchantId: string; id: string; actor: Actor; at: Date },
): Promise<ArchivePlanResult> {
  return inTransaction(db, async (tx) => {
    const [archived] = await tx.plan.updateManyAndReturn({
      where: { id: input.id, merchantId: input.merchantId, status: 'ACTIVE' },
      data: { status: 'ARCHIVED', archivedAt: input.at, updatedAt: input.at },
    });
    if (archived !== undefined) {
      await audit(tx, {
        actor: input.actor,
        merchantId: input.merchantId,
        entityType: 'plan',
        entityId: archived.id,
        action: 'archived',
        before: { ...planAuditView(archived), status: 'ACTIVE', archivedAt: null },
        after: planAuditView(archived),
        at: input.at,
      });
    }
    const plan = await tx.plan.findFirst({
      where: { id: input.id, merchantId: input.merchantId },
      include: ALL_VERSIONS,
    });
    if (plan === null) return { kind: 'not_found' };
    return { kind: archived === undefined ? 'already_archived' : 'archived', plan };
  });
}

export interface AddPlanVersionInput extends PlanVersionTerms {
  readonly merchantId: string;
  readonly planId: string;
  /** Null: the latest version's name. */
  readonly name: string | null;
  /** Null: the latest version's policy. */
  readonly dunningPolicy: DunningPolicy | null;
  readonly catchUpPolicy: CatchUpPolicy | null;
  readonly actor: Actor;
  readonly at: Date;
}

export type AddPlanVersionResult =
  | { readonly kind: 'created'; readonly plan: PlanWithVersions; readonly version: PlanVersionRow }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'plan_archived' };

export async function addPlanVersion(db: Db, input: AddPlanVersionInput): Promise<AddPlanVersionResult> {
  return inTransaction(db, async (tx) => {
    // Taking the next number and checking the plan is active is one UPDATE: concurrent requests
    // queue on the row and each gets its own number.
    const [plan] = await tx.plan.updateManyAndReturn({
      where: { id: input.planId, merchantId: input.merchantId, status: 'ACTIVE' },
      data: { latestVersion: { increment: 1 }, updatedAt: input.at },
    });
    if (plan === undefined) return missingPlan(tx, input.merchantId, input.planId);
    const previous = await tx.planVersion.findUniqueOrThrow({
      where: { planId_version: { planId: plan.id, version: plan.latestVersion - 1 } },
    });
    const version = await tx.planVersion.create({
      data: versionData(
        plan,
        plan.latestVersion,
        input.name ?? previous.name,
        input,
        input.dunningPolicy ?? previous.dunningPolicy,
        input.catchUpPolicy ?? previous.catchUpPolicy,
        input.at,
      ),
    });
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'plan',
      entityId: plan.id,
      action: 'version_added',
      before: versionAuditView(previous),
      after: versionAuditView(version),
      at: input.at,
    });
    const versions = await tx.planVersion.findMany({
      where: { planId: plan.id },
      orderBy: { version: 'desc' },
    });
    return { kind: 'created', plan: { ...plan, versions }, version } as const;
  });
}

async function missingPlan(tx: Tx, merchantId: string, id: string): Promise<AddPlanVersionResult> {
  const plan = await tx.plan.findFirst({ where: { id, merchantId }, select: { status: true } });
  return plan === null ? { kind: 'not_found' } : { kind: 'plan_archived' };
}

function versionData(
  plan: { id: string; merchantId: string; currency: string },
  version: number,
  name: string,
  terms: PlanVersionTerms,
  dunningPolicy: DunningPolicy | Prisma.JsonValue,
  catchUpPolicy: CatchUpPolicy | Prisma.JsonValue,
  at: Date,
): Prisma.PlanVersionUncheckedCreateInput {
  return {
    merchantId: plan.merchantId,
    planId: plan.id,
    version,
    name,
    amountMinor: terms.amountMinor,
    currency: plan.currency,
    interval: terms.interval,
    intervalCount: terms.intervalCount,
    trialDays: terms.trialDays,
    captureMode: terms.captureMode ?? 'NOW',
    captureDelaySeconds: terms.captureDelaySeconds ?? 0,
    dunningPolicy: toJson(dunningPolicy),
    catchUpPolicy: toJson(catchUpPolicy),
    createdAt: at,
  };
}

/** Policies are plain frozen data: a JSON round trip gives Prisma the mutable JSON it types. */
function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

function planAuditView(plan: Prisma.PlanGetPayload<object>): Prisma.InputJsonObject {
  return {
    code: plan.code,
    name: plan.name,
    currency: plan.currency,
    status: plan.status,
    latestVersion: plan.latestVersion,
    archivedAt: plan.archivedAt?.toISOString() ?? null,
  };
}

function versionAuditView(version: PlanVersionRow): Prisma.InputJsonObject {
  return {
    id: version.id,
    version: version.version,
    name: version.name,
    amountMinor: version.amountMinor,
    currency: version.currency,
    interval: version.interval,
    intervalCount: version.intervalCount,
    trialDays: version.trialDays,
    captureMode: version.captureMode,
    captureDelaySeconds: version.captureDelaySeconds,
    dunningPolicy: toJson(version.dunningPolicy),
    catchUpPolicy: toJson(version.catchUpPolicy),
  };
}
