// The purchase-journey pages over real HTTP, as a browser without JavaScript would use them:
// GET the payment_request_url, POST the plain forms, follow 303 redirects by hand.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, stepUpConfig } from '../testing/bodies.js';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, PaymentRequestView } from '../testing/types.js';

let sb: TestSandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

const RETURN = 'https://shop.example/klarna/return';

/** Creates a Payment Request through authorize; returns its id and payment_request_url. */
async function stepUp(body: unknown = bodies.tokenize()): Promise<{ id: string; url: string }> {
  const res = await sb.authorize<AuthorizeResponse>(body);
  const pr = res.body.payment_request;
  const url = pr?.state_context.customer_interaction?.payment_request_url;
  if (!pr || !url) throw new Error(`no payment request: ${res.text}`);
  return { id: pr.payment_request_id, url };
}

const open = (url: string) => fetch(url, { redirect: 'manual' });
/** Page text with whitespace runs collapsed, so assertions do not depend on the markup's layout. */
const textOf = async (res: Response) => (await res.text()).replace(/\s+/g, ' ');
const click = (pageUrl: string, id: string, action: string) =>
  fetch(new URL(`./${encodeURIComponent(id)}/${action}`, pageUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `action=${action}`,
  });
const read = async (id: string) =>
  (await sb.sim<PaymentRequestView>('GET', `/payment-requests/${encodeURIComponent(id)}`)).body;

describe('the journey page', () => {
  it('shows what is saved for a tokenize-only request and marks the request IN_PROGRESS', async () => {
    const { id, url } = await stepUp();
    expect(url).toBe(`${sb.baseUrl}/journey/${id}`);
    expect((await read(id)).state).toBe('SUBMITTED');
    const res = await open(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await textOf(res);
    expect(page).toContain('<h1>Save Klarna as payment method</h1>');
    expect(page).toContain('SIGNUP-42');
    expect(page).toContain('Pro plan');
    expect(page).toContain('€9.99 every month from 2026-01-01');
    expect(page).toMatch(/<button[^>]*> ?Approve ?<\/button>/);
    expect(page).toMatch(/<button[^>]*> ?Decline ?<\/button>/);
    expect(page).toMatch(/<button[^>]*> ?Cancel and return ?<\/button>/);
    expect(page).not.toMatch(/<script|<link|src=/);
    expect((await read(id)).state).toBe('IN_PROGRESS');
    // A reload keeps the journey open.
    expect((await open(url)).status).toBe(200);
    expect((await read(id)).state).toBe('IN_PROGRESS');
  });

  it('shows the amount and the lines of a purchase', async () => {
    const { url } = await stepUp(bodies.tokenizeAndPay(2550));
    const page = await textOf(await open(url));
    expect(page).toContain('<h1>Pay with Klarna</h1>');
    expect(page).toContain('€25.50');
    expect(page).toContain('1 × Pro plan');
    expect(page).toMatch(/<button[^>]*> ?Pay with Klarna ?<\/button>/);
  });

  it('escapes everything the partner sent', async () => {
    const evil = '<script>alert("x")</script>&\'';
    const body = bodies.tokenizeAndPay();
    body.supplementary_purchase_data.purchase_reference = evil;
    body.supplementary_purchase_data.line_items[0]!.name = `<img src=x onerror=alert(1)>`;
    const { url } = await stepUp({
      ...body,
      step_up_config: { ...stepUpConfig(), payment_request_reference: '"><b>' },
    });
    const page = await textOf(await open(url));
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('"><b>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });
});

describe('the customer’s choices', () => {
  it('approve completes the request and 303-redirects to the return_url with placeholders filled', async () => {
    const { id, url } = await stepUp();
    await open(url);
    const res = await click(url, id, 'approve');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${RETURN}?pr=${encodeURIComponent(id)}`);
    const pr = await read(id);
    expect(pr.state).toBe('COMPLETED');
    expect(pr.state_context.klarna_customer?.customer_token).toMatch(/^krn:customer-token:eu1:/);

    // A second click (double submit) shows where the request stands instead of failing.
    const again = await click(url, id, 'approve');
    expect(again.status).toBe(409);
    expect(await textOf(again)).toContain('This purchase is already complete');
    const reopened = await open(url);
    expect(reopened.status).toBe(200);
    expect(await textOf(reopened)).toContain('Already completed');
  });

  it('approve works straight from SUBMITTED (the page was never rendered)', async () => {
    const { id, url } = await stepUp();
    const res = await click(url, id, 'approve');
    expect(res.status).toBe(303);
    expect((await read(id)).state).toBe('COMPLETED');
  });

  it('decline declines the request and shows a result page with the way back', async () => {
    const { id, url } = await stepUp();
    await open(url);
    const res = await click(url, id, 'decline');
    expect(res.status).toBe(200);
    const page = await textOf(res);
    expect(page).toContain('You declined this purchase');
    expect(page).toContain(`href="${RETURN}?pr=${encodeURIComponent(id)}"`);
    expect((await read(id)).state).toBe('DECLINED');
  });

  it('cancel-and-return leaves the journey (back to SUBMITTED) and redirects to the return_url', async () => {
    const { id, url } = await stepUp();
    await open(url);
    const res = await click(url, id, 'abort');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${RETURN}?pr=${encodeURIComponent(id)}`);
    const pr = await read(id);
    expect(pr).toMatchObject({ state: 'SUBMITTED', state_reason: 'PURCHASE_FLOW_ABORTED' });
    // Leaving again before re-entering changes nothing and still sends the customer back.
    const twice = await click(url, id, 'abort');
    expect(twice.status).toBe(303);
    expect((await read(id)).state).toBe('SUBMITTED');
  });
});

describe('requests that are no longer open', () => {
  it('a canceled request shows a clear page', async () => {
    const { id, url } = await stepUp();
    const del = await sb.request('DELETE', `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${id}`);
    expect(del.status).toBe(200);
    const res = await open(url);
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('The merchant canceled this purchase.');
    const approve = await click(url, id, 'approve');
    expect(approve.status).toBe(409);
    expect(await textOf(approve)).toContain('Purchase canceled');
  });

  it('an expired request shows a clear page', async () => {
    const { id, url } = await stepUp();
    await sb.deps.clock.advance(3 * 3_600_000 + 1_000);
    expect((await read(id)).state).toBe('EXPIRED');
    const res = await open(url);
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('This purchase link has expired.');
    expect((await click(url, id, 'abort')).status).toBe(409);
  });

  it('an unknown request is a 404 page, not an error', async () => {
    const url = `${sb.baseUrl}/journey/krn:payment:eu1:request:00000000-0000-4000-8000-000000000000`;
    const res = await open(url);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await textOf(res)).toContain('Purchase not found');
    const post = await click(url, 'krn:payment:eu1:request:00000000-0000-4000-8000-000000000000', 'approve');
    expect(post.status).toBe(404);
  });
});
