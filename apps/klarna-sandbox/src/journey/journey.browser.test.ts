// The purchase journey clicked through in headless Chromium (Debian's package, driven by
// playwright-core): approve lands on the return_url and issues a token that charges; decline
// and cancel-and-return send the customer back too. JavaScript is off: the page is plain forms.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodies, stepUpConfig } from '../testing/bodies.js';
import { resolveChromiumPath } from '../testing/chromium.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse } from '../testing/types.js';
import { startReceiver, type Receiver } from '../webhooks/testing/receiver.js';
import { registerWebhook } from '../webhooks/testing/setup.js';

const CHROMIUM = resolveChromiumPath();
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !process.env.CI) {
  console.warn(
    `journey.browser.test: skipped, no Chromium at ${CHROMIUM} and none on PATH (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

describe.runIf(!haveChromium && process.env.CI)('Chromium in CI', () => {
  it('is installed', () => {
    throw new Error(`CI must run the browser test, but there is no Chromium at ${CHROMIUM}`);
  });
});

/** The merchant's site: where return_url points. Answers every GET with a small page. */
async function startMerchant(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>Back at the merchant</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const PLACEHOLDERS =
  'pr={klarna.payment_request.id}&state={klarna.payment_request.state}' +
  '&ref={klarna.payment_request.payment_request_reference}&nst={klarna.payment_request.klarna_network_session_token}';

describe.runIf(haveChromium)('purchase journey in Chromium', () => {
  let browser: Browser;
  let merchant: { server: Server; url: string };
  let sb: TestSandbox;
  let receiver: Receiver;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    merchant = await startMerchant();
  });
  afterAll(async () => {
    await browser?.close();
    merchant?.server.closeAllConnections();
    await new Promise((resolve) => merchant?.server.close(resolve));
  });

  beforeEach(async () => {
    sb = await startSandbox();
    receiver = await startReceiver();
    await registerWebhook(sb, receiver.url, ['payment.request.*']);
    page = await browser.newPage({ javaScriptEnabled: false });
  });
  afterEach(async () => {
    await page.close();
    await sb.close();
    await receiver.close();
  });

  /** Signup with a first payment (scenario b), returning to the merchant's site. */
  async function signup(): Promise<{ id: string; url: string }> {
    const body = {
      ...bodies.tokenizeAndPay(999),
      step_up_config: stepUpConfig({ return_url: `${merchant.url}/klarna/return?${PLACEHOLDERS}` }),
    };
    const res = await sb.authorize<AuthorizeResponse>(body);
    expect(res.body.payment_transaction_response?.result).toBe('STEP_UP_REQUIRED');
    const pr = res.body.payment_request;
    const url = pr?.state_context.customer_interaction?.payment_request_url;
    if (!pr || !url) throw new Error(`no payment request: ${res.text}`);
    return { id: pr.payment_request_id, url };
  }

  const eventOf = (id: string, type: string) =>
    receiver.received.find(
      (r) => r.envelope.payload['payment_request_id'] === id && r.envelope.metadata.event_type === type,
    );

  it('approve: lands on the return_url with placeholders filled; the token from the webhook charges', async () => {
    const { id, url } = await signup();
    await page.goto(url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Pay with Klarna');
    expect(await page.getByTestId('amount').textContent()).toBe('€9.99');
    expect(await page.getByTestId('subscriptions').textContent()).toContain('Pro plan');

    await page.getByRole('button', { name: 'Pay with Klarna' }).click();
    await page.waitForURL(`${merchant.url}/klarna/return?**`);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('pr')).toBe(id);
    expect(landed.searchParams.get('state')).toBe('COMPLETED');
    expect(landed.searchParams.get('ref')).toBe('signup_42');
    const sessionToken = landed.searchParams.get('nst') ?? '';
    expect(sessionToken).toMatch(/^krn:payment:eu1:klarna-network-session-token:/);
    expect(await page.locator('h1').textContent()).toBe('Back at the merchant');

    await expect.poll(() => eventOf(id, 'payment.request.state-change.completed')).toBeDefined();
    const payload = eventOf(id, 'payment.request.state-change.completed')?.envelope.payload as {
      klarna_network_session_token: string;
      state_context: { klarna_customer: { customer_token: string } };
    };
    expect(payload.klarna_network_session_token).toBe(sessionToken);
    const customerToken = payload.state_context.klarna_customer.customer_token;
    expect(customerToken).toMatch(/^krn:customer-token:eu1:/);

    // The first payment is finalized with the session token, the renewal charges the token.
    const finalize = await sb.authorize<AuthorizeResponse>(bodies.finalize(999), {
      'Klarna-Network-Session-Token': sessionToken,
    });
    expect(finalize.body.payment_transaction_response?.result).toBe('APPROVED');
    const renewal = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(999), {
      'Klarna-Customer-Token': customerToken,
    });
    expect(renewal.body.payment_transaction_response?.result).toBe('APPROVED');
  });

  it('decline: shows the outcome, and the return link goes back to the merchant', async () => {
    const { id, url } = await signup();
    await page.goto(url);
    await page.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Purchase declined');
    await page.getByTestId('return-link').click();
    await page.waitForURL(`${merchant.url}/klarna/return?**`);
    expect(new URL(page.url()).searchParams.get('state')).toBe('DECLINED');
    await expect.poll(() => eventOf(id, 'payment.request.state-change.declined')).toBeDefined();
  });

  it('cancel and return: back at the merchant, the request open again (SUBMITTED)', async () => {
    const { id, url } = await signup();
    await page.goto(url);
    await page.getByRole('button', { name: 'Cancel and return' }).click();
    await page.waitForURL(`${merchant.url}/klarna/return?**`);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('pr')).toBe(id);
    expect(landed.searchParams.get('state')).toBe('SUBMITTED');
    expect(landed.searchParams.get('nst')).toBe('');
  });
});
