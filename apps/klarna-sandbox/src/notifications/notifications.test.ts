// Notifications API over real HTTP: signing keys, webhook registration rules, simulate.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import { signatureValid, startReceiver, type Receiver } from '../webhooks/testing/receiver.js';
import { registerWebhook } from '../webhooks/testing/setup.js';

const KEY_ID = /^krn:partner:global:notification:signing-key:[0-9a-f-]{36}$/;
const WEBHOOK_ID = /^krn:partner:global:notification:webhook:[0-9a-f-]{36}$/;

interface ErrorJson {
  error_code: string;
  error_type: string;
  validation_errors?: { parameter: string; reason: string }[];
}

let sb: TestSandbox;
let receiver: Receiver;
beforeAll(async () => {
  sb = await startSandbox();
  receiver = await startReceiver();
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

/** Every test starts from an empty registry: delete webhooks first, then their keys. */
afterEach(async () => {
  const hooks = await sb.request<{ webhooks: { webhook_id: string }[] }>('GET', '/v2/notification/webhooks');
  for (const h of hooks.body.webhooks) {
    await sb.request('DELETE', `/v2/notification/webhooks/${h.webhook_id}`);
  }
  const keys = await sb.request<{ signing_keys: { signing_key_id: string }[] }>(
    'GET',
    '/v2/notification/signing-keys',
  );
  for (const k of keys.body.signing_keys) {
    await sb.request('DELETE', `/v2/notification/signing-keys/${k.signing_key_id}`);
  }
});

const newKey = async (): Promise<{ signing_key_id: string; signing_key: string }> => {
  const res = await sb.request<{ signing_key_id: string; signing_key: string }>(
    'POST',
    '/v2/notification/signing-keys',
  );
  expect(res.status).toBe(201);
  return res.body;
};

const createWebhook = (body: Record<string, unknown>) =>
  sb.request<Record<string, unknown> & ErrorJson>('POST', '/v2/notification/webhooks', { body });

describe('signing keys', () => {
  it('creates a key whose secret is shown once; list and read show the id only', async () => {
    const res = await sb.request('POST', '/v2/notification/signing-keys');
    expect(res.status).toBe(201);
    expect(res.headers.get('klarna-correlation-id')).toBeTruthy();
    expect(res.body).toEqual({
      signing_key_id: expect.stringMatching(KEY_ID) as unknown,
      signing_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/) as unknown,
    });
    const id = res.body.signing_key_id as string;
    const list = await sb.request<{ signing_keys: Record<string, unknown>[] }>(
      'GET',
      '/v2/notification/signing-keys',
    );
    expect(list.body.signing_keys).toEqual([{ signing_key_id: id, created_at: res.body.created_at }]);
    const one = await sb.request('GET', `/v2/notification/signing-keys/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('signing_key');
  });

  it('needs the API key', async () => {
    const res = await sb.request('POST', '/v2/notification/signing-keys', { auth: false });
    expect(res.status).toBe(401);
  });

  it('allows 50 keys per account and answers 409 CONFLICT for the 51st', async () => {
    for (let i = 0; i < 50; i++) await newKey();
    const res = await sb.request<ErrorJson>('POST', '/v2/notification/signing-keys');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error_code: 'CONFLICT', error_type: 'RESOURCE_ERROR' });
  });

  it('deletes a key (204), then 404 for it; refuses to delete a key a webhook uses (409)', async () => {
    const spare = await newKey();
    expect((await sb.request('DELETE', `/v2/notification/signing-keys/${spare.signing_key_id}`)).status).toBe(
      204,
    );
    const again = await sb.request<ErrorJson>(
      'DELETE',
      `/v2/notification/signing-keys/${spare.signing_key_id}`,
    );
    expect(again.status).toBe(404);
    expect(again.body.error_code).toBe('NOT_FOUND');

    const used = await registerWebhook(sb, receiver.url);
    const res = await sb.request<ErrorJson>('DELETE', `/v2/notification/signing-keys/${used.signingKeyId}`);
    expect(res.status).toBe(409);
  });
});

describe('webhook registration', () => {
  it('creates, lists, reads and deletes a webhook', async () => {
    const key = await newKey();
    const res = await createWebhook({
      url: receiver.url,
      event_types: ['payment.request.state-change.completed'],
      event_version: 'v2',
      signing_key_id: key.signing_key_id,
      status: 'ENABLED',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      webhook_id: expect.stringMatching(WEBHOOK_ID) as unknown,
      url: receiver.url,
      event_types: ['payment.request.state-change.completed'],
      event_version: 'v2',
      signing_key_id: key.signing_key_id,
      status: 'ENABLED',
    });
    const id = res.body.webhook_id as string;
    const list = await sb.request<{ webhooks: { webhook_id: string }[] }>('GET', '/v2/notification/webhooks');
    expect(list.body.webhooks.map((w) => w.webhook_id)).toEqual([id]);
    expect((await sb.request('GET', `/v2/notification/webhooks/${id}`)).body).toEqual(res.body);
    expect((await sb.request('DELETE', `/v2/notification/webhooks/${id}`)).status).toBe(204);
    expect((await sb.request('GET', `/v2/notification/webhooks/${id}`)).status).toBe(404);
    expect((await sb.request('DELETE', `/v2/notification/webhooks/${id}`)).status).toBe(404);
  });

  it('accepts the wildcards payment.* and payment.request.*, and status defaults to ENABLED', async () => {
    const key = await newKey();
    for (const pattern of ['payment.*', 'payment.request.*', 'payment.request.state-change.*']) {
      const res = await createWebhook({
        url: receiver.url,
        event_types: [pattern],
        event_version: 'v2',
        signing_key_id: key.signing_key_id,
      });
      expect(res.status, pattern).toBe(201);
      expect(res.body.status).toBe('ENABLED');
    }
  });

  it.each([
    ['missing body', undefined, 'body'],
    ['missing url', { event_types: ['payment.*'], event_version: 'v2', signing_key_id: 'k' }, 'url'],
    [
      'empty event_types',
      { url: 'https://a.example', event_types: [], event_version: 'v2', signing_key_id: 'k' },
      'event_types',
    ],
    [
      'v1 events',
      { url: 'https://a.example', event_types: ['payment.*'], event_version: 'v1', signing_key_id: 'k' },
      'event_version',
    ],
    [
      'bad status',
      {
        url: 'https://a.example',
        event_types: ['payment.*'],
        event_version: 'v2',
        signing_key_id: 'k',
        status: 'ON',
      },
      'status',
    ],
  ])('400 VALIDATION_ERROR for %s, naming %s', async (_name, body, parameter) => {
    const res = await createWebhook(body as Record<string, unknown>);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('VALIDATION_ERROR');
    expect(res.body.validation_errors?.map((e) => e.parameter)).toContain(parameter);
  });

  it.each([
    ['plain http on a public host', 'http://partner.example/hooks', 'url'],
    ['https on port 8080', 'https://partner.example:8080/hooks', 'url'],
    ['not a URL', 'partner.example/hooks', 'url'],
    ['ftp', 'ftp://partner.example/hooks', 'url'],
  ])('rejects %s', async (_name, url, parameter) => {
    const key = await newKey();
    const res = await createWebhook({
      url,
      event_types: ['payment.*'],
      event_version: 'v2',
      signing_key_id: key.signing_key_id,
    });
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.map((e) => e.parameter)).toEqual([parameter]);
  });

  it.each([
    'https://partner.example/hooks',
    'https://partner.example:8443/hooks',
    'https://partner.example:443/hooks',
    'http://localhost:3000/hooks',
    'http://[::1]:3000/hooks',
    'http://webhooks:3000/klarna/webhooks',
  ])('accepts %s', async (url) => {
    const key = await newKey();
    const res = await createWebhook({
      url,
      event_types: ['payment.*'],
      event_version: 'v2',
      signing_key_id: key.signing_key_id,
    });
    expect(res.status).toBe(201);
  });

  it('names an unknown event type by its index, and an unknown signing key by its id', async () => {
    const res = await createWebhook({
      url: receiver.url,
      event_types: ['payment.request.state-change.completed', 'shipping.*'],
      event_version: 'v2',
      signing_key_id: 'krn:partner:global:notification:signing-key:nope',
    });
    expect(res.status).toBe(400);
    expect(res.body.validation_errors).toEqual([
      { parameter: 'event_types[1]', reason: 'unknown event type shipping.*' },
      {
        parameter: 'signing_key_id',
        reason: 'signing key krn:partner:global:notification:signing-key:nope does not exist',
      },
    ]);
  });

  it('409 CONFLICT when the same configuration exists (event types compared as a set)', async () => {
    const key = await newKey();
    const body = {
      url: receiver.url,
      event_types: ['payment.request.state-change.completed', 'payment.request.state-change.declined'],
      event_version: 'v2',
      signing_key_id: key.signing_key_id,
    };
    expect((await createWebhook(body)).status).toBe(201);
    const twin = await createWebhook({ ...body, event_types: [...body.event_types].reverse() });
    expect(twin.status).toBe(409);
    expect(twin.body.error_code).toBe('CONFLICT');
    const other = await createWebhook({ ...body, event_types: ['payment.request.state-change.completed'] });
    expect(other.status).toBe(201);
  });
});

describe('simulate', () => {
  it('sends a signed test event of the requested type to the webhook', async () => {
    const hook = await registerWebhook(sb, receiver.url, ['payment.request.state-change.completed']);
    const before = receiver.received.length;
    const res = await sb.request<{ event_id: string; delivery_id: string }>(
      'POST',
      `/v2/notification/webhooks/${hook.webhookId}/simulate`,
      { body: { event_type: 'payment.request.state-change.submitted', event_version: 'v2' } },
    );
    expect(res.status).toBe(202);
    const [got] = (await receiver.waitFor(before + 1)).slice(before);
    expect(got?.headers['klarna-signing-key-id']).toBe(hook.signingKeyId);
    expect(got && signatureValid(got, hook.secret)).toBe(true);
    expect(got?.envelope.metadata).toMatchObject({
      event_id: res.body.event_id,
      event_type: 'payment.request.state-change.submitted',
      event_version: 'v2',
      webhook_id: hook.webhookId,
      recipient_account_id: sb.config.acquirerAccountId,
      live: false,
    });
    expect(got?.envelope.payload).toMatchObject({ state: 'SUBMITTED' });
  });

  it('400 for an unknown or wildcard event type or another version; 404 for an unknown webhook', async () => {
    const hook = await registerWebhook(sb, receiver.url);
    const path = `/v2/notification/webhooks/${hook.webhookId}/simulate`;
    for (const [body, parameter] of [
      [{ event_type: 'payment.*', event_version: 'v2' }, 'event_type'],
      [{ event_type: 'payment.request.state-change.completed', event_version: 'v1' }, 'event_version'],
      [{ event_version: 'v2' }, 'event_type'],
    ] as const) {
      const res = await sb.request<ErrorJson>('POST', path, { body });
      expect(res.status).toBe(400);
      expect(res.body.validation_errors?.map((e) => e.parameter)).toEqual([parameter]);
    }
    const unknown = await sb.request(
      'POST',
      '/v2/notification/webhooks/krn:partner:global:notification:webhook:x/simulate',
      {
        body: { event_type: 'payment.request.state-change.completed', event_version: 'v2' },
      },
    );
    expect(unknown.status).toBe(404);
  });
});
