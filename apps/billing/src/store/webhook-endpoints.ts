// Merchant webhook endpoints, their sealed signing secrets, and deliveries of outbox events to them.
// Deliveries are scheduled in real time (the database's clock, `now()`): the `webhook-timestamp` a
// merchant checks is real time too, whatever Rebill's (possibly virtual) billing clock says.
import { randomUUID } from 'node:crypto';
import type { Prisma } from './generated/prisma/client.js';
import { type WebhookDeliveryStatus } from './generated/prisma/client.js';
import { audit, type Actor } from './audit.js';
import { inTransaction, type Db, type DbOrTx } from './db.js';
import { afterKeyset, NEWEST_FIRST, toPage, type Page, type PageQuery } from './pagination.js';

export interface SealedBytes {
  readonly keyId: string;
  readonly ciphertext: Uint8Array;
}

export interface WebhookEndpointRow {
  readonly id: string;
  readonly merchantId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly status: 'ENABLED' | 'DELETED';
  readonly description: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const ENDPOINT_SELECT = {
  id: true,
  merchantId: true,
  url: true,
  eventTypes: true,
  status: true,
  description: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** Creates an endpoint with its first secret, sealed by `seal` to the secret's row id. */
export async function createWebhookEndpoint(
  db: Db,
  input: {
    readonly merchantId: string;
    readonly url: string;
    readonly eventTypes: readonly string[];
    readonly description: string | null;
    readonly seal: (secretRowId: string) => SealedBytes;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<WebhookEndpointRow> {
  return inTransaction(db, async (tx) => {
    const endpoint = await tx.webhookEndpoint.create({
      data: {
        merchantId: input.merchantId,
        url: input.url,
        eventTypes: [...input.eventTypes],
        description: input.description,
        createdAt: input.now,
        updatedAt: input.now,
      },
      select: ENDPOINT_SELECT,
    });
    await insertSecret(tx, endpoint.id, input.seal, input.now);
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'webhook_endpoint',
      entityId: endpoint.id,
      action: 'webhook_endpoint.created',
      after: { url: input.url, event_types: [...input.eventTypes] },
      at: input.now,
    });
    return endpoint;
  });
}

async function insertSecret(
  tx: DbOrTx,
  endpointId: string,
  seal: (secretRowId: string) => SealedBytes,
  now: Date,
): Promise<void> {
  const id = randomUUID();
  const sealed = seal(id);
  await tx.webhookEndpointSecret.create({
    data: {
      id,
      endpointId,
      sealedSecret: Uint8Array.from(sealed.ciphertext),
      sealedKeyId: sealed.keyId,
      createdAt: now,
    },
  });
}

export async function findWebhookEndpoint(
  db: DbOrTx,
  merchantId: string,
  id: string,
): Promise<WebhookEndpointRow | null> {
  return db.webhookEndpoint.findFirst({
    where: { id, merchantId, status: 'ENABLED' },
    select: ENDPOINT_SELECT,
  });
}

export async function listWebhookEndpoints(
  db: Db,
  merchantId: string,
  page: PageQuery,
): Promise<Page<WebhookEndpointRow>> {
  const rows = await db.webhookEndpoint.findMany({
    where: { merchantId, status: 'ENABLED', ...afterKeyset(page.after) },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
    select: ENDPOINT_SELECT,
  });
  return toPage(rows, page.limit);
}

/** Deletes (retires) an endpoint: nothing is sent to it again; its deliveries stay for history. */
export async function deleteWebhookEndpoint(
  db: Db,
  input: { readonly merchantId: string; readonly id: string; readonly actor: Actor; readonly now: Date },
): Promise<WebhookEndpointRow | null> {
  return inTransaction(db, async (tx) => {
    const { count } = await tx.webhookEndpoint.updateMany({
      where: { id: input.id, merchantId: input.merchantId, status: 'ENABLED' },
      data: { status: 'DELETED', updatedAt: input.now },
    });
    if (count === 0) return null;
    await tx.webhookDelivery.updateMany({
      where: { endpointId: input.id, status: 'PENDING' },
      data: { status: 'FAILED', lastError: 'endpoint deleted' },
    });
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'webhook_endpoint',
      entityId: input.id,
      action: 'webhook_endpoint.deleted',
      at: input.now,
    });
    return tx.webhookEndpoint.findUniqueOrThrow({ where: { id: input.id }, select: ENDPOINT_SELECT });
  });
}

/**
 * A new secret for the endpoint; the ones it replaces keep signing until `oldValidUntil` (an old
 * secret already expiring sooner keeps its earlier end). False when there is no such endpoint.
 */
export async function rotateWebhookEndpointSecret(
  db: Db,
  input: {
    readonly merchantId: string;
    readonly id: string;
    readonly seal: (secretRowId: string) => SealedBytes;
    readonly oldValidUntil: Date;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "WebhookEndpoint"
      WHERE id = ${input.id}::uuid AND "merchantId" = ${input.merchantId}::uuid AND status = 'ENABLED'
      FOR UPDATE`;
    if (locked.length === 0) return false;
    await tx.$executeRaw`
      UPDATE "WebhookEndpointSecret" SET "expiresAt" = ${input.oldValidUntil}
      WHERE "endpointId" = ${input.id}::uuid AND ("expiresAt" IS NULL OR "expiresAt" > ${input.oldValidUntil})`;
    await insertSecret(tx, input.id, input.seal, input.now);
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'webhook_endpoint',
      entityId: input.id,
      action: 'webhook_endpoint.secret_rotated',
      after: { old_valid_until: input.oldValidUntil.toISOString() },
      at: input.now,
    });
    return true;
  });
}

// ---- deliveries ----

export interface WebhookDeliveryRow {
  readonly id: string;
  readonly merchantId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly status: WebhookDeliveryStatus;
  readonly attemptCount: number;
  readonly nextAttemptAt: Date;
  readonly lastAttemptAt: Date | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly createdAt: Date;
  readonly eventType: string;
}

const DELIVERY_SELECT = {
  id: true,
  merchantId: true,
  endpointId: true,
  eventId: true,
  status: true,
  attemptCount: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  lastStatus: true,
  lastError: true,
  deliveredAt: true,
  createdAt: true,
  event: { select: { type: true } },
} as const;

type DeliverySelected = Prisma.WebhookDeliveryGetPayload<{ select: typeof DELIVERY_SELECT }>;

function deliveryRow({ event, ...row }: DeliverySelected): WebhookDeliveryRow {
  return { ...row, eventType: event.type };
}

export async function listWebhookDeliveries(
  db: Db,
  merchantId: string,
  filter: { readonly status?: WebhookDeliveryStatus | undefined; readonly endpointId?: string | undefined },
  page: PageQuery,
): Promise<Page<WebhookDeliveryRow>> {
  const rows = await db.webhookDelivery.findMany({
    where: {
      merchantId,
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.endpointId === undefined ? {} : { endpointId: filter.endpointId }),
      ...afterKeyset(page.after),
    },
    orderBy: NEWEST_FIRST,
    take: page.limit + 1,
    select: DELIVERY_SELECT,
  });
  return toPage(rows.map(deliveryRow), page.limit);
}

export async function findWebhookDelivery(
  db: Db,
  merchantId: string,
  id: string,
): Promise<WebhookDeliveryRow | null> {
  const row = await db.webhookDelivery.findFirst({ where: { id, merchantId }, select: DELIVERY_SELECT });
  return row === null ? null : deliveryRow(row);
}

/**
 * Sends a delivery again, now: a FAILED one gets a fresh round of attempts. A DELIVERED one is
 * re-sent too (same webhook-id: receivers dedupe on it). `not_found` for another merchant's id, and
 * `endpoint_deleted` when its endpoint is gone.
 */
export async function retryWebhookDelivery(
  db: Db,
  input: { readonly merchantId: string; readonly id: string; readonly actor: Actor; readonly now: Date },
): Promise<
  { kind: 'ok'; delivery: WebhookDeliveryRow } | { kind: 'not_found' } | { kind: 'endpoint_deleted' }
> {
  return inTransaction(db, async (tx) => {
    const found = await tx.webhookDelivery.findFirst({
      where: { id: input.id, merchantId: input.merchantId },
      select: { id: true, status: true, endpoint: { select: { status: true } } },
    });
    if (found === null) return { kind: 'not_found' };
    if (found.endpoint.status !== 'ENABLED') return { kind: 'endpoint_deleted' };
    await tx.$executeRaw`
      UPDATE "WebhookDelivery" SET status = 'PENDING', "attemptCount" = 0, "nextAttemptAt" = now(),
        "deliveredAt" = NULL
      WHERE id = ${input.id}::uuid`;
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      entityType: 'webhook_delivery',
      entityId: input.id,
      action: 'webhook_delivery.retry_requested',
      before: { status: found.status },
      at: input.now,
    });
    const row = await tx.webhookDelivery.findUniqueOrThrow({
      where: { id: input.id },
      select: DELIVERY_SELECT,
    });
    return { kind: 'ok', delivery: deliveryRow(row) };
  });
}

/**
 * Leases pending deliveries that are due (real time), oldest first along the partial index
 * WebhookDelivery_pending_idx: their nextAttemptAt moves `leaseMs` ahead, so the next sweep skips
 * them while a job holds them, and sends them again once the lease ends (a lost job, a worker that
 * died mid-send). SKIP LOCKED lets two schedulers sweep side by side.
 */
export async function leaseDueWebhookDeliveries(
  db: Db,
  input: { readonly leaseMs: number; readonly limit: number },
): Promise<{ id: string; leaseUntil: Date }[]> {
  return db.$queryRaw<{ id: string; leaseUntil: Date }[]>`
    UPDATE "WebhookDelivery" SET "nextAttemptAt" = now() + ${input.leaseMs}::int * interval '1 millisecond'
    WHERE id IN (
      SELECT id FROM "WebhookDelivery"
      WHERE status = 'PENDING' AND "nextAttemptAt" <= now()
      ORDER BY "nextAttemptAt", id
      LIMIT ${input.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, "nextAttemptAt" AS "leaseUntil"`;
}

/** What the worker needs to send a delivery: the event, the endpoint and its valid secrets. */
export interface DeliveryToSend {
  readonly id: string;
  readonly status: WebhookDeliveryStatus;
  readonly attemptCount: number;
  readonly event: {
    readonly id: string;
    readonly type: string;
    readonly payload: unknown;
    readonly createdAt: Date;
  };
  readonly endpoint: { readonly id: string; readonly url: string; readonly status: 'ENABLED' | 'DELETED' };
  /** Secrets valid now (real time), newest first. */
  readonly secrets: readonly { readonly id: string; readonly sealed: SealedBytes }[];
}

export async function loadDeliveryToSend(db: Db, id: string): Promise<DeliveryToSend | null> {
  const row = await db.webhookDelivery.findUnique({
    where: { id },
    select: {
      id: true,
      status: true,
      attemptCount: true,
      event: { select: { id: true, type: true, payload: true, createdAt: true } },
      endpoint: {
        select: {
          id: true,
          url: true,
          status: true,
          secrets: {
            where: { OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
            orderBy: { createdAt: 'desc' },
            select: { id: true, sealedSecret: true, sealedKeyId: true },
          },
        },
      },
    },
  });
  if (row === null) return null;
  const { secrets, ...endpoint } = row.endpoint;
  return {
    id: row.id,
    status: row.status,
    attemptCount: row.attemptCount,
    event: row.event,
    endpoint,
    secrets: secrets.map((s) => ({ id: s.id, sealed: { keyId: s.sealedKeyId, ciphertext: s.sealedSecret } })),
  };
}

export type DeliveryResult =
  | { readonly kind: 'DELIVERED'; readonly httpStatus: number }
  /** `retryInMs` null: the attempts are spent (or it cannot succeed): FAILED. */
  | {
      readonly kind: 'NOT_DELIVERED';
      readonly httpStatus: number | null;
      readonly error: string;
      readonly retryInMs: number | null;
    };

/** Records one send's outcome (only while the delivery is still PENDING). */
export async function recordDeliveryAttempt(db: Db, id: string, result: DeliveryResult): Promise<void> {
  if (result.kind === 'DELIVERED') {
    await db.$executeRaw`
      UPDATE "WebhookDelivery" SET status = 'DELIVERED', "attemptCount" = "attemptCount" + 1,
        "lastAttemptAt" = now(), "lastStatus" = ${result.httpStatus}::int, "lastError" = NULL, "deliveredAt" = now()
      WHERE id = ${id}::uuid AND status = 'PENDING'`;
    return;
  }
  const error = result.error.slice(0, 500);
  if (result.retryInMs === null) {
    await db.$executeRaw`
      UPDATE "WebhookDelivery" SET status = 'FAILED', "attemptCount" = "attemptCount" + 1,
        "lastAttemptAt" = now(), "lastStatus" = ${result.httpStatus}::int, "lastError" = ${error}
      WHERE id = ${id}::uuid AND status = 'PENDING'`;
    return;
  }
  await db.$executeRaw`
    UPDATE "WebhookDelivery" SET "attemptCount" = "attemptCount" + 1, "lastAttemptAt" = now(),
      "lastStatus" = ${result.httpStatus}::int, "lastError" = ${error},
      "nextAttemptAt" = now() + ${Math.round(result.retryInMs)}::int * interval '1 millisecond'
    WHERE id = ${id}::uuid AND status = 'PENDING'`;
}
