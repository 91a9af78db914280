// Token charges against token state and scope (CONTRACT.md §11.1 matrix, §11.2 revocation).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken, stepUpConfig } from '../testing/bodies.js';
import { OTHER_ACCOUNT, startSandbox, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
afterEach(async () => {
  await sb.close();
});

const CNP = ['payment:customer_not_present'];
const CP = ['payment:customer_present'];
const BOTH = [...CP, ...CNP];
const cnpCharge = bodies.cnpCharge();
const cpCharge = bodies.cpCharge();
// A CP-shaped charge that still carries subscriptions (as a lenient CNP-token charge would).
const cpChargeWithSubscriptions = { ...bodies.cnpCharge(), step_up_config: stepUpConfig() };

describe('scope matrix (§11.1), strict mode', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it.each([
    ['CNP token', CNP, 'CNP charge', cnpCharge, 200, 'APPROVED', undefined],
    ['CNP token', CNP, 'CP charge', cpChargeWithSubscriptions, 400, undefined, undefined],
    ['CP token', CP, 'CNP charge', cnpCharge, 200, 'DECLINED', 'SCOPE_MISMATCH'],
    ['CP token', CP, 'CP charge', cpCharge, 200, 'APPROVED', undefined],
    ['CP+CNP token', BOTH, 'CNP charge', cnpCharge, 200, 'APPROVED', undefined],
    ['CP+CNP token', BOTH, 'CP charge', cpCharge, 200, 'APPROVED', undefined],
  ])('%s, %s -> %s %s', async (_t, scopes, _c, body, status, result, reason) => {
    const token = await mintToken(sb, scopes);
    const res = await sb.authorize<AuthorizeResponse & ErrorResponse>(body, {
      'Klarna-Customer-Token': token,
    });
    expect(res.status).toBe(status);
    if (status === 400) {
      expect(res.body.validation_errors?.[0]?.parameter).toBe('step_up_config');
      return;
    }
    expect(res.body.payment_transaction_response?.result).toBe(result);
    expect(res.body.payment_transaction_response?.result_reason).toBe(reason);
    const ledger = sb.state.ledger.query({ customer_token: token });
    expect(ledger).toHaveLength(result === 'APPROVED' ? 1 : 0);
  });
});

describe('lenient scope checks', () => {
  it('from config: a CNP token with step_up_config is evaluated as a CP charge', async () => {
    sb = await startSandbox({ strictScopeChecks: false });
    const token = await mintToken(sb, CNP);
    const res = await sb.authorize<AuthorizeResponse>(cpChargeWithSubscriptions, {
      'Klarna-Customer-Token': token,
    });
    expect(res.status).toBe(200);
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
    expect(sb.state.ledger.query({ customer_token: token })[0]?.scenario).toBe('cp_charge');
  });

  it('from the SIM switch, and back', async () => {
    sb = await startSandbox();
    const token = await mintToken(sb, CNP);
    const put = await sb.sim('PUT', '/settings', { strict_scope_checks: false });
    expect(put.body).toEqual({ tokenization_result: 'STEP_UP_REQUIRED', strict_scope_checks: false });
    expect((await sb.authorize(cpChargeWithSubscriptions, { 'Klarna-Customer-Token': token })).status).toBe(
      200,
    );
    await sb.sim('PUT', '/settings', { strict_scope_checks: true });
    expect((await sb.authorize(cpChargeWithSubscriptions, { 'Klarna-Customer-Token': token })).status).toBe(
      400,
    );
  });
});

describe('revoked and unknown tokens (§11.2)', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it.each([
    ['CNP', CNP, cnpCharge],
    ['CP', CP, cpCharge],
  ])('a revoked token declines %s charges with PERMANENT', async (_n, scopes, body) => {
    const token = await mintToken(sb, scopes);
    const revoke = await sb.sim('POST', `/customer-tokens/${encodeURIComponent(token)}/revoke`);
    expect(revoke.status).toBe(200);
    expect(revoke.body).toMatchObject({ customer_token: token, state: 'REVOKED' });
    expect(revoke.body.revoked_at).toEqual(expect.any(String));
    const res = await sb.authorize<AuthorizeResponse>(body, { 'Klarna-Customer-Token': token });
    expect(res.body.payment_transaction_response).toEqual({ result: 'DECLINED', result_reason: 'PERMANENT' });
    expect(res.body.payment_request).toBeUndefined();
    expect(sb.state.ledger.size).toBe(0);
  });

  it('revoking is final and repeatable; unknown tokens 404', async () => {
    const token = await mintToken(sb);
    await sb.sim('POST', `/customer-tokens/${token}/revoke`);
    const again = await sb.sim('POST', `/customer-tokens/${token}/revoke`);
    expect(again.body).toMatchObject({ state: 'REVOKED' });
    expect((await sb.sim('GET', `/customer-tokens/${token}`)).body).toMatchObject({ state: 'REVOKED' });
    expect((await sb.sim('POST', '/customer-tokens/krn:customer-token:eu1:nope/revoke')).status).toBe(404);
  });

  it.each([
    [
      'an unknown token',
      async () => Promise.resolve('krn:customer-token:eu1:00000000-0000-4000-8000-000000000000'),
    ],
    ['a token of another account', async () => mintToken(sb, CNP, OTHER_ACCOUNT)],
  ])('%s declines with PERMANENT', async (_n, token) => {
    const res = await sb.authorize<AuthorizeResponse>(cnpCharge, { 'Klarna-Customer-Token': await token() });
    expect(res.body.payment_transaction_response).toEqual({ result: 'DECLINED', result_reason: 'PERMANENT' });
  });

  it('records last use on the token', async () => {
    const token = await mintToken(sb);
    expect((await sb.sim('GET', `/customer-tokens/${token}`)).body.last_used_at).toBeNull();
    await sb.authorize(cnpCharge, { 'Klarna-Customer-Token': token });
    expect((await sb.sim('GET', `/customer-tokens/${token}`)).body.last_used_at).toEqual(expect.any(String));
  });

  it('400 naming the field for a bad mint body', async () => {
    const res = await sb.sim<ErrorResponse>('POST', '/customer-tokens', {
      account_id: 'nope',
      scopes: ['x'],
    });
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.map((e) => e.parameter).sort()).toEqual(['account_id', 'scopes[0]']);
  });
});
