// The operators' dashboard in headless Chromium (Debian's package, driven by playwright-core)
// against the api role as a real process, with operators made by the CLI: sign-in as an admin and
// as a viewer, every page, every action (refund, retry now, cancel, resolve a held attempt, re-send
// a webhook delivery, promote a job in bull-board), a viewer's 403 on each (bull-board's included),
// and a form post without the CSRF token refused. Screenshots of the pages go to
// test/artifacts/dashboard/ (git-ignored); a few are copied into docs/screenshots/ for the README.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChromiumPath } from '../../apps/klarna-sandbox/src/testing/chromium.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { testRedisUrl } from '../harness/index.js';
import {
  seedDashboardRows,
  seedFailedDelivery,
} from '../../apps/billing/src/store/testing/dashboard-rows.js';
import { createOperatorWithCli, type TestOperator } from './support/operators.js';
import { REPO_ROOT } from './support/role-process.js';
import { World, type Merchant } from './support/world.js';

const CHROMIUM = resolveChromiumPath();
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = join(REPO_ROOT, 'test/artifacts/dashboard');

describe.runIf(!haveChromium && process.env.CI)('Chromium in CI', () => {
  it('is installed', () => {
    throw new Error(`CI must run the browser test, but there is no Chromium at ${CHROMIUM}`);
  });
});

describe.runIf(haveChromium)("operators' dashboard in Chromium", () => {
  let world: World;
  let db: Db;
  let browser: Browser;
  let redis: Redis;
  let moneyQueue: Queue;
  let merchant: Merchant;
  let admin: TestOperator;
  let viewer: TestOperator;
  let rows: Awaited<ReturnType<typeof seedDashboardRows>>;
  let deliveryId: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start({ roles: ['api'] });
    db = createPrismaClient({ databaseUrl: world.databaseUrl });
    [merchant, admin, viewer, browser] = await Promise.all([
      world.createMerchant('Dashboard Shop'),
      createOperatorWithCli(world, 'admin'),
      createOperatorWithCli(world, 'viewer'),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
        ],
      }),
    ]);
    const now = new Date();
    rows = await seedDashboardRows(db, merchant.id, now);
    const endpoint = await world.api(merchant, 'POST', '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hook' },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    deliveryId = await seedFailedDelivery(db, merchant.id, now);
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    moneyQueue = new Queue('money', { connection: redis, prefix: `{${world.redisPrefix}}` });
    await moneyQueue.add(
      'run-charge-money',
      { chargeId: rows.chargeId },
      { delay: 3_600_000, jobId: 'dashboard-delayed' },
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await moneyQueue?.close();
    await redis?.quit();
    if (db !== undefined) await disconnect(db);
    await world?.stop();
  }, 60_000);

  async function signIn(operator: TestOperator): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/dashboard/held`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard/held');
    return page;
  }

  const flash = (page: Page) => page.getByRole('status').textContent();

  async function visit(page: Page, path: string, heading: string, screenshot?: string): Promise<void> {
    const res = await page.goto(`${world.apiUrl}${path}`);
    expect(res?.status(), path).toBe(200);
    expect(await page.locator('h1').textContent()).toBe(heading);
    if (screenshot !== undefined)
      await page.screenshot({ path: join(ARTIFACTS, `${screenshot}.png`), fullPage: true });
  }

  const PAGES: [string, string, string][] = [
    ['/dashboard', 'Overview', 'overview'],
    ['/dashboard/past-due', 'Past-due subscriptions', 'past-due'],
    ['/dashboard/renewals', 'Upcoming renewals', 'renewals'],
    ['/dashboard/charges', 'Charges by outcome', 'charges'],
    ['/dashboard/recovery', 'Dunning recovery', 'recovery'],
    ['/dashboard/held', 'Held attempts and uncaptured authorizations', 'held'],
    ['/dashboard/webhook-deliveries', 'Failed merchant webhook deliveries', 'webhook-deliveries'],
  ];

  it('an admin sees every page and performs every action', async () => {
    const page = await signIn(admin);
    for (const [path, heading, shot] of PAGES) await visit(page, path, heading, shot);
    expect(await page.locator('svg[role="img"] rect').count()).toBe(0); // the last page is not the chart
    await visit(page, '/dashboard/charges', 'Charges by outcome');
    expect(await page.locator('svg[role="img"] rect').count()).toBeGreaterThan(10);

    // The timeline, and its actions.
    await page.goto(`${world.apiUrl}/dashboard/subscriptions`);
    await page.getByLabel('Subscription id').fill(rows.subscriptionId);
    await page.getByRole('button', { name: 'Show timeline' }).click();
    await expect.poll(() => page.locator('h2').last().textContent()).toContain(rows.subscriptionId);

    await page.getByLabel('amount (minor units)').fill('999999');
    await page.getByRole('button', { name: 'Refund' }).click();
    expect(await flash(page)).toContain('Not refunded: the amount is more than the 9900');
    await page.getByLabel('amount (minor units)').fill('1000');
    await page.getByLabel('reason').fill('goodwill');
    await page.getByRole('button', { name: 'Refund' }).click();
    expect(await flash(page)).toMatch(/^Refund of 1000 \(minor units\)/);

    await page.getByRole('button', { name: 'Retry now' }).click();
    expect(await flash(page)).toContain('not past due');

    await page.getByLabel('cancel mode').selectOption('AT_PERIOD_END');
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    expect(await flash(page)).toBe('Subscription will cancel at the end of its period.');
    expect(await page.locator('table').last().textContent()).toContain(`OPERATOR`);
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });

    // Retry now of the past-due subscription goes through; a second is refused as already queued.
    await visit(page, '/dashboard/past-due', 'Past-due subscriptions');
    await page.getByRole('button', { name: 'Retry now' }).first().click();
    expect(await flash(page)).toMatch(/^(Retry queued|Not retried)/);

    // Resolve the held attempt: Klarna (the sandbox) has no such transaction, so nothing changes.
    await visit(page, '/dashboard/held', 'Held attempts and uncaptured authorizations');
    await page.getByLabel('outcome').selectOption('APPROVED');
    await page.getByLabel('payment_transaction_id').fill('krn:payment:eu1:transaction:unknown-0001');
    await page.getByRole('button', { name: 'Resolve' }).click();
    expect(await flash(page)).toMatch(/^Not resolved: /);
    expect(await db.invoice.findUniqueOrThrow({ where: { id: rows.heldInvoiceId } })).toMatchObject({
      status: 'OPEN',
    });

    await visit(page, '/dashboard/webhook-deliveries', 'Failed merchant webhook deliveries');
    await page.getByRole('button', { name: 'Re-send' }).click();
    expect(await flash(page)).toContain('Delivery re-sent');
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({
      status: 'PENDING',
    });

    // bull-board: its UI lists the queues; a promote from its own origin works for an admin.
    await page.goto(`${world.apiUrl}/dashboard/queues/queue/money?status=delayed`);
    await expect
      .poll(() => page.getByText('dashboard-delayed').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'queues.png'), fullPage: false });
    const promoted = await page.evaluate(async () => {
      const res = await fetch('/dashboard/queues/api/queues/money/dashboard-delayed/promote', {
        method: 'PUT',
      });
      return res.status;
    });
    expect(promoted).toBe(204);
    expect(await moneyQueue.getJobState('dashboard-delayed')).toBe('waiting');

    // A form post without the session's CSRF token is refused, even from a signed-in admin.
    const forged = await page.request.post(
      `${world.apiUrl}/dashboard/subscriptions/${rows.subscriptionId}/cancel`,
      {
        form: { mode: 'IMMEDIATELY' },
        maxRedirects: 0,
      },
    );
    expect(forged.status()).toBe(403);
    expect(await db.subscription.findUniqueOrThrow({ where: { id: rows.subscriptionId } })).toMatchObject({
      status: 'ACTIVE',
    });

    await page.goto(`${world.apiUrl}/dashboard`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/dashboard/login');
    await page.context().close();
  });

  it('a viewer sees every page and gets 403 on every action, bull-board included', async () => {
    const page = await signIn(viewer);
    for (const [path, heading] of PAGES) await visit(page, path, heading);
    expect(await page.getByRole('button', { name: 'Re-send' }).count()).toBe(0);
    await page.goto(`${world.apiUrl}/dashboard/subscriptions?id=${rows.subscriptionId}`);
    expect(await page.getByRole('button', { name: 'Refund' }).count()).toBe(0);
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';

    const actions: [string, Record<string, string>][] = [
      [`/dashboard/subscriptions/${rows.subscriptionId}/retry-now`, {}],
      [`/dashboard/subscriptions/${rows.subscriptionId}/cancel`, { mode: 'IMMEDIATELY' }],
      [`/dashboard/charges/${rows.chargeId}/refund`, { amount: '100' }],
      [`/dashboard/invoices/${rows.heldInvoiceId}/resolve`, { outcome: 'NOT_CHARGED' }],
      [`/dashboard/webhook-deliveries/${deliveryId}/resend`, {}],
    ];
    for (const [path, fields] of actions) {
      const res = await page.request.post(`${world.apiUrl}${path}`, {
        form: { ...fields, _csrf: csrf },
        maxRedirects: 0,
      });
      expect(res.status(), path).toBe(403);
    }

    await moneyQueue.add(
      'run-charge-money',
      { chargeId: rows.chargeId },
      { delay: 3_600_000, jobId: 'viewer-delayed' },
    );
    await page.goto(`${world.apiUrl}/dashboard/queues`);
    const statuses = await page.evaluate(async () => {
      const put = async (path: string) =>
        (await fetch(`/dashboard/queues/api/queues/money/${path}`, { method: 'PUT' })).status;
      return [
        await put('viewer-delayed/promote'),
        await put('retry/failed'),
        await put('clean/delayed'),
        await put('promote'),
      ];
    });
    expect(statuses).toEqual([403, 403, 403, 403]);
    expect(await moneyQueue.getJobState('viewer-delayed')).toBe('delayed');
    await page.context().close();
  });
});
