// The SIM-ONLY controls over real HTTP: scenario bookkeeping and validation, latency, clock, reset.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { OTHER_ACCOUNT, startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
afterEach(async () => {
  await sb.close();
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

describe('scenario controls', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it.each([
    ['an unknown result', { outcome: { result: 'MAYBE' } }, 'outcome.result'],
    [
      'an HTTP status outside 429/500/503',
      { outcome: { result: 'HTTP_ERROR', status: 404 } },
      'outcome.status',
    ],
    ['a lower-case reason', { outcome: { result: 'DECLINED', reason: 'nope' } }, 'outcome.reason'],
    ['MIXED without token', { outcome: { result: 'MIXED', payment: 'APPROVED' } }, 'outcome.token'],
    ['times 0', { outcome: { result: 'APPROVED' }, times: 0 }, 'times'],
    ['times "twice"', { outcome: { result: 'APPROVED' }, times: 'twice' }, 'times'],
    [
      'amount_ends_with not digits',
      { match: { amount_ends_with: 'x1' }, outcome: { result: 'APPROVED' } },
      'match.amount_ends_with',
    ],
    [
      'an unknown scenario',
      { match: { scenario: 'refund' }, outcome: { result: 'APPROVED' } },
      'match.scenario',
    ],
    ['an unknown match field', { match: { colour: 'red' }, outcome: { result: 'APPROVED' } }, 'match'],
    ['neither outcome nor latency', { match: {} }, 'outcome'],
    ['latency min above max', { latency: { type: 'uniform', min_ms: 300, max_ms: 100 } }, 'latency.max_ms'],
    ['an unknown latency type', { latency: { type: 'poisson', ms: 1 } }, 'latency.type'],
    ['latency above 120 s', { latency: { type: 'fixed', ms: 120_001 } }, 'latency.ms'],
  ])('POST /__sim/scenarios: 400 for %s naming %s', async (_n, body, parameter) => {
    const res = await sb.sim<ErrorResponse>('POST', '/scenarios', body);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('VALIDATION_ERROR');
    expect(res.body.validation_errors?.map((e) => e.parameter)).toContain(parameter);
  });

  it('PUT replaces all rules (naming rules[i] on error), DELETE one or all', async () => {
    const bad = await sb.sim<ErrorResponse>('PUT', '/scenarios', {
      rules: [{ outcome: { result: 'APPROVED' } }, { outcome: {} }],
    });
    expect(bad.body.validation_errors?.[0]?.parameter).toBe('rules[1].outcome.result');
    await sb.sim('POST', '/scenarios', { outcome: { result: 'DECLINED' } });
    const put = await sb.sim<{ rules: { id: string; times: unknown; remaining: unknown }[] }>(
      'PUT',
      '/scenarios',
      {
        rules: [
          { outcome: { result: 'APPROVED' }, times: 3 },
          { outcome: { result: 'TIMEOUT' }, times: 'once' },
        ],
        latency: { type: 'fixed', ms: 5 },
      },
    );
    expect(put.body.rules.map((r) => [r.times, r.remaining])).toEqual([
      [3, 3],
      ['once', 1],
    ]);
    const id = put.body.rules[1]?.id ?? '';
    const afterDelete = await sb.sim<{ rules: unknown[] }>('DELETE', `/scenarios/${id}`);
    expect(afterDelete.body.rules).toHaveLength(1);
    expect((await sb.sim('DELETE', `/scenarios/${id}`)).status).toBe(404);
    const cleared = await sb.sim('DELETE', '/scenarios');
    expect(cleared.body).toEqual({ rules: [], latency: { type: 'none' } });
  });

  it('PUT /__sim/settings rejects unknown switches and bad values', async () => {
    const res = await sb.sim<ErrorResponse>('PUT', '/settings', {
      tokenization_result: 'MAYBE',
      dark_mode: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.map((e) => e.parameter).sort()).toEqual([
      'body',
      'tokenization_result',
    ]);
  });

  it('GET /__sim/ledger rejects unknown query parameters', async () => {
    const res = await sb.sim<ErrorResponse>('GET', '/ledger?colour=red');
    expect(res.status).toBe(400);
  });
});

describe('latency', () => {
  it('global fixed latency from config, cleared back to it by DELETE /__sim/scenarios', async () => {
    sb = await startSandbox({ latencyMs: 150 });
    const token = await mintToken(sb);
    const [, ms] = await timed(() => sb.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token }));
    expect(ms).toBeGreaterThanOrEqual(145);
    await sb.sim('PUT', '/latency', { latency: { type: 'none' } });
    const [, fast] = await timed(() => sb.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token }));
    expect(fast).toBeLessThan(145);
    const reset = await sb.sim('DELETE', '/scenarios');
    expect(reset.body.latency).toEqual({ type: 'fixed', ms: 150 });
  });

  it('per-rule distributed latency applies to matching calls only', async () => {
    sb = await startSandbox();
    const token = await mintToken(sb);
    await sb.sim('POST', '/scenarios', {
      match: { amount: 4242 },
      latency: { type: 'uniform', min_ms: 200, max_ms: 250 },
    });
    const [slow, ms] = await timed(() =>
      sb.authorize<AuthorizeResponse>(bodies.cnpCharge(4242), { 'Klarna-Customer-Token': token }),
    );
    expect(ms).toBeGreaterThanOrEqual(195);
    expect(slow.body.payment_transaction_response?.result).toBe('APPROVED');
    const [, fast] = await timed(() =>
      sb.authorize(bodies.cnpCharge(1000), { 'Klarna-Customer-Token': token }),
    );
    expect(fast).toBeLessThan(195);
  });

  it('PUT /__sim/latency with a normal distribution', async () => {
    sb = await startSandbox();
    const res = await sb.sim('PUT', '/latency', { latency: { type: 'normal', min_ms: 10, max_ms: 30 } });
    expect(res.body.latency).toEqual({ type: 'normal', min_ms: 10, max_ms: 30 });
    const token = await mintToken(sb);
    const [, ms] = await timed(() => sb.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token }));
    expect(ms).toBeGreaterThanOrEqual(9);
  });

  it('a slow first request makes a concurrent one with the same key 409 CONFLICT (in flight)', async () => {
    sb = await startSandbox({ latencyMs: 300 });
    const token = await mintToken(sb);
    const headers = { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': 'concurrent' };
    const first = sb.authorize(bodies.cnpCharge(), headers);
    await new Promise((r) => setTimeout(r, 100));
    const second = await sb.authorize<ErrorResponse>(bodies.cnpCharge(), headers);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error_code: 'CONFLICT' });
    expect((await first).status).toBe(200);
    // Once finished, the same key replays.
    expect((await sb.authorize(bodies.cnpCharge(), headers)).text).toBe((await first).text);
    expect(sb.state.ledger.size).toBe(1);
  });
  it('close() cancels pending latency: nothing executes after the sandbox stopped', async () => {
    sb = await startSandbox();
    const doomed = await startSandbox({ latencyMs: 400 });
    const token = await mintToken(doomed);
    const answer = doomed.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token }).then(
      (r) => r.status,
      () => 'connection closed',
    );
    await new Promise((r) => setTimeout(r, 100));
    const [, closeMs] = await timed(() => doomed.close());
    expect(closeMs).toBeLessThan(300);
    expect(await answer).not.toBe(200);
    await new Promise((r) => setTimeout(r, 500)); // past the latency
    expect(doomed.state.ledger.size).toBe(0);
  });
});

describe('clock', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it('GET shows sandbox time; advance moves it and runs due expiries', async () => {
    const before = await sb.sim<{ now_ms: number; now: string; offset_ms: number }>('GET', '/clock');
    expect(Date.parse(before.body.now)).toBe(before.body.now_ms);
    const pr = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
    const id = pr.body.payment_request?.payment_request_id ?? '';
    const after = await sb.sim<{ now_ms: number; offset_ms: number }>('POST', '/clock/advance', {
      seconds: 3 * 3600,
    });
    expect(after.body.now_ms - before.body.now_ms).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(after.body.offset_ms).toBeGreaterThanOrEqual(3 * 3_600_000 - 1000);
    expect(sb.state.paymentRequests.state(id)).toBe('EXPIRED');
  });

  it.each([[{}], [{ seconds: -1 }], [{ seconds: 0 }], [{ seconds: '60' }]])(
    '400 naming seconds for %j',
    async (body) => {
      const res = await sb.sim<ErrorResponse>('POST', '/clock/advance', body);
      expect(res.status).toBe(400);
      expect(res.body.validation_errors?.[0]?.parameter).toBe('seconds');
    },
  );
});

describe('customer token listing', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it('lists every issued token, filtered by account on request', async () => {
    const first = await mintToken(sb);
    const second = await mintToken(sb);
    const other = await sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
      account_id: OTHER_ACCOUNT,
      scopes: ['payment:customer_not_present'],
    });

    const all = await sb.sim<{ count: number; customer_tokens: { customer_token: string }[] }>(
      'GET',
      '/customer-tokens',
    );
    expect(all.body.count).toBe(3);
    expect(all.body.customer_tokens.map((t) => t.customer_token)).toEqual([
      first,
      second,
      other.body.customer_token,
    ]);

    const mine = await sb.sim<{ count: number }>('GET', `/customer-tokens?account_id=${TEST_ACCOUNT}`);
    expect(mine.body.count).toBe(2);
    expect((await sb.sim('GET', '/customer-tokens?account=x')).status).toBe(400);
  });
});

describe('reset', () => {
  beforeEach(async () => {
    sb = await startSandbox();
  });

  it('clears requests, tokens, keys, scenarios and switches; keeps the ledger unless asked', async () => {
    let resets = 0;
    sb.deps.events.on('sandbox.reset', () => (resets += 1));
    const token = await mintToken(sb);
    await sb.authorize(bodies.cnpCharge(), { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': 'k' });
    const pr = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
    await sb.sim('POST', '/scenarios', { outcome: { result: 'DECLINED' } });
    await sb.sim('PUT', '/settings', { tokenization_result: 'APPROVED', strict_scope_checks: false });

    const res = await sb.sim('POST', '/reset');
    expect(res.body).toEqual({ reset: true, ledger_cleared: false });
    expect(resets).toBe(1);
    expect((await sb.sim('GET', `/customer-tokens/${token}`)).status).toBe(404);
    const prPath = `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${pr.body.payment_request?.payment_request_id}`;
    expect((await sb.request('GET', prPath)).status).toBe(404);
    expect((await sb.sim('GET', '/scenarios')).body).toEqual({ rules: [], latency: { type: 'none' } });
    expect((await sb.sim('GET', '/settings')).body).toEqual({
      tokenization_result: 'STEP_UP_REQUIRED',
      strict_scope_checks: true,
    });
    expect(sb.state.idempotency.size).toBe(0);
    expect(sb.state.ledger.size).toBe(1);

    expect((await sb.sim('POST', '/reset', { clear_ledger: true })).body).toEqual({
      reset: true,
      ledger_cleared: true,
    });
    expect(sb.state.ledger.size).toBe(0);
  });

  it('400 for a bad reset body', async () => {
    const res = await sb.sim<ErrorResponse>('POST', '/reset', { clear_ledger: 'yes' });
    expect(res.body.validation_errors?.[0]?.parameter).toBe('clear_ledger');
  });
});

describe('optional SIM token', () => {
  it('guards /__sim/** when SANDBOX_SIM_TOKEN is set', async () => {
    sb = await startSandbox({ simToken: 'let-me-in' });
    const denied = await sb.sim<ErrorResponse>('GET', '/clock');
    expect(denied.status).toBe(401);
    expect(denied.body.error_code).toBe('UNAUTHORIZED');
    const encoded = await sb.request<ErrorResponse>('GET', '/%5F_sim/clock', { auth: false });
    expect(encoded.status).toBe(401);
    const allowed = await sb.request('GET', '/__sim/clock', {
      auth: false,
      headers: { 'Sandbox-Sim-Token': 'let-me-in' },
    });
    expect(allowed.status).toBe(200);
  });
});
