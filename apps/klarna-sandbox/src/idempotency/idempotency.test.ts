// Klarna-Idempotency-Key over real HTTP (CONTRACT.md §3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { OTHER_ACCOUNT, startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
let token: string;
beforeEach(async () => {
  sb = await startSandbox();
  token = await mintToken(sb);
});
afterEach(async () => {
  await sb.close();
});

const charge = (key: string, body: unknown = bodies.cnpCharge(), account = TEST_ACCOUNT) =>
  sb.authorize<AuthorizeResponse & ErrorResponse>(
    body,
    { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': key },
    account,
  );
const txId = (r: { body: AuthorizeResponse }) =>
  r.body.payment_transaction_response?.payment_transaction?.payment_transaction_id;

describe('idempotency', () => {
  it('replays the first result (status and body) with a fresh correlation id; executes once', async () => {
    const first = await charge('k1');
    const second = await charge('k1');
    expect(second.status).toBe(first.status);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('klarna-correlation-id')).not.toBe(first.headers.get('klarna-correlation-id'));
    expect(sb.state.ledger.size).toBe(1);
  });

  it('replays the first result even when the body differs', async () => {
    const first = await charge('k2', bodies.cnpCharge(999, 'ref-a'));
    const second = await charge('k2', bodies.cnpCharge(5000, 'ref-b'));
    expect(txId(second)).toBe(txId(first));
    expect(second.body.payment_transaction_response?.payment_transaction?.amount).toBe(999);
    expect(sb.state.ledger.query({ reference: 'ref-b' })).toHaveLength(0);
  });

  it('scopes keys by account, method and path', async () => {
    const other = await mintToken(sb, undefined, OTHER_ACCOUNT);
    const a = await charge('shared');
    const b = await sb.authorize<AuthorizeResponse>(
      bodies.cnpCharge(),
      {
        'Klarna-Customer-Token': other,
        'Klarna-Idempotency-Key': 'shared',
      },
      OTHER_ACCOUNT,
    );
    expect(txId(b)).toBeDefined();
    expect(txId(b)).not.toBe(txId(a));
    // Same key on another path (cancel) is another scope too.
    const tokenize = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
    const prPath = `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${tokenize.body.payment_request?.payment_request_id}`;
    const cancel = await sb.request('DELETE', prPath, { headers: { 'Klarna-Idempotency-Key': 'shared' } });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ state: 'CANCELED' });
    // A repeated cancel with the key replays 200 instead of 409.
    const again = await sb.request('DELETE', prPath, { headers: { 'Klarna-Idempotency-Key': 'shared' } });
    expect(again.status).toBe(200);
    expect(again.text).toBe(cancel.text);
    const fresh = await sb.request('DELETE', prPath, { headers: { 'Klarna-Idempotency-Key': 'other' } });
    expect(fresh.status).toBe(409);
  });

  it('one scope however the path is spelled: a percent-encoded retry replays, never executes twice', async () => {
    const first = await charge('spelled');
    const encoded = await sb.request<AuthorizeResponse>(
      'POST',
      `/%762/accounts/${encodeURIComponent(TEST_ACCOUNT)}/payment/authorize`,
      {
        body: bodies.cnpCharge(),
        headers: { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': 'spelled' },
      },
    );
    expect(encoded.status).toBe(200);
    expect(txId(encoded)).toBe(txId(first));
    expect(sb.state.ledger.size).toBe(1);
  });

  it('honours a key for 24 h of sandbox time, then executes again', async () => {
    const first = await charge('k3');
    await sb.deps.clock.advance(24 * 3_600_000 - 60_000);
    expect(txId(await charge('k3'))).toBe(txId(first));
    await sb.deps.clock.advance(60_000);
    const later = await charge('k3');
    expect(txId(later)).toBeDefined();
    expect(txId(later)).not.toBe(txId(first));
    expect(sb.state.ledger.size).toBe(2);
  });

  it('stores 4xx results: a corrected body under the same key still gets the first 400', async () => {
    const bad = await charge('k4', { ...bodies.cnpCharge(), currency: 'XX' });
    expect(bad.status).toBe(400);
    const fixed = await charge('k4');
    expect(fixed.status).toBe(400);
    expect(fixed.text).toBe(bad.text);
    expect(sb.state.ledger.size).toBe(0);
  });

  it('does not store a malformed-JSON rejection (nothing was executed)', async () => {
    const path = `/v2/accounts/${TEST_ACCOUNT}/payment/authorize`;
    const headers = { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': 'k5' };
    expect((await sb.request('POST', path, { rawBody: '{', headers })).status).toBe(400);
    expect((await charge('k5')).status).toBe(200);
  });

  it('without a key every call executes', async () => {
    const path = `/v2/accounts/${TEST_ACCOUNT}/payment/authorize`;
    for (let i = 0; i < 2; i++) {
      await sb.request('POST', path, {
        body: bodies.cnpCharge(),
        headers: { 'Klarna-Customer-Token': token },
      });
    }
    expect(sb.state.ledger.size).toBe(2);
    expect(sb.state.ledger.query()[0]?.idempotency_key).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
  ])('400 naming Klarna-Idempotency-Key when it is %s', async (_n, key) => {
    const res = await charge(key);
    expect(res.status).toBe(400);
    expect(res.body.validation_errors).toEqual([
      { parameter: 'Klarna-Idempotency-Key', reason: 'must be 1-255 characters' },
    ]);
  });

  it('accepts a 255-character key', async () => {
    expect((await charge('k'.repeat(255))).status).toBe(200);
  });
});
