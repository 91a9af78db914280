// Signing keys and webhook registrations over real HTTP, then a real delivered webhook: the
// sandbox signs and posts it to a tiny receiver here, and the client's verifier and parser read it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlarnaNotifications } from '../../apps/billing/src/klarna/notifications.js';
import { parseKlarnaWebhook } from '../../apps/billing/src/klarna/webhook-envelope.js';
import {
  KLARNA_SIGNATURE_HEADER,
  KLARNA_SIGNING_KEY_ID_HEADER,
  verifyKlarnaSignature,
} from '../../apps/billing/src/klarna/webhook-signature.js';
import { Secret, type SigningKeySecret } from '../../apps/billing/src/secrets/secret.js';
import type { PaymentRequestView } from '../../apps/klarna-sandbox/src/testing/types.js';
import { anyString, key, rendered, signupInput, startClientRig, type ClientRig } from './client-fixtures.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** Records every POST as raw bytes and answers 200. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.deliveries.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/klarna/webhooks`;
  }

  async waitFor(predicate: (d: Delivery) => boolean, timeoutMs = 5000): Promise<Delivery> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`no matching delivery among ${this.deliveries.length}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let rig: ClientRig;
let notifications: KlarnaNotifications;
const receiver = new Receiver();
let receiverUrl: string;

beforeAll(async () => {
  rig = await startClientRig();
  notifications = new KlarnaNotifications(rig.http);
  receiverUrl = await receiver.start();
});

afterAll(async () => {
  await rig.close();
  await receiver.close();
});

describe('signing keys and webhook registrations', () => {
  let signingKeyId = '';
  let secret: SigningKeySecret | undefined;
  let webhookId = '';

  it('creates a signing key; its secret is a Secret and shows only as a marker', async () => {
    const created = await notifications.createSigningKey(key());
    if (created.kind !== 'created') throw new Error(`create: ${JSON.stringify(created)}`);
    expect(created.signingKeyId).toMatch(/^krn:partner:global:notification:signing-key:/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(JSON.stringify(created)).toContain('[redacted klarna-signing-key]');
    signingKeyId = created.signingKeyId;
    secret = created.secret;
    const listed = await notifications.listSigningKeys();
    expect(listed).toMatchObject({ kind: 'answered', signingKeys: [{ signingKeyId }] });
  });

  it('registers a webhook; the same configuration again is already_exists', async () => {
    const webhook = { url: receiverUrl, eventTypes: ['payment.request.state-change.*'], signingKeyId };
    const created = await notifications.createWebhook(webhook, key());
    if (created.kind !== 'created') throw new Error(`create: ${JSON.stringify(created)}`);
    expect(created.webhook).toMatchObject({
      url: receiverUrl,
      eventTypes: ['payment.request.state-change.*'],
      eventVersion: 'v2',
      signingKeyId,
      status: 'ENABLED',
    });
    webhookId = created.webhook.webhookId;

    const twin = await notifications.createWebhook(webhook, key());
    expect(twin).toEqual({
      kind: 'already_exists',
      errorCode: 'CONFLICT',
      correlationId: anyString,
    });

    const listed = await notifications.listWebhooks();
    if (listed.kind !== 'answered') throw new Error('list');
    expect(listed.webhooks.map((w) => w.webhookId)).toEqual([webhookId]);
  });

  it('a bad webhook is a permanent 400 naming the field', async () => {
    const outcome = await notifications.createWebhook(
      { url: receiverUrl, eventTypes: ['no.such.event'], signingKeyId },
      key(),
    );
    expect(outcome).toMatchObject({ kind: 'permanent', status: 400, parameters: ['event_types[0]'] });
  });

  it('a signing key in use cannot be deleted (conflict)', async () => {
    expect(await notifications.deleteSigningKey(signingKeyId, key())).toMatchObject({ kind: 'conflict' });
  });

  it('verifies and parses a real delivered webhook; its storable payload holds no raw token', async () => {
    if (secret === undefined) throw new Error('no signing key');
    const input = signupInput(999);
    const started = await rig.gateway.startSignup(input, key());
    if (started.kind !== 'answered' || started.paymentRequest === null) throw new Error('signup');
    const requestId = started.paymentRequest.paymentRequestId;
    const done = await rig.sb.sim<{ payment_request: PaymentRequestView }>(
      'POST',
      `/payment-requests/${requestId}/complete`,
    );
    const rawToken = done.body.payment_request.state_context.klarna_customer?.customer_token ?? '';
    const rawSession = done.body.payment_request.state_context.klarna_network_session_token ?? '';
    expect(rawToken).not.toBe('');
    expect(rawSession).not.toBe('');

    const delivery = await receiver.waitFor((d) => d.rawBody.toString().includes('state-change.completed'));
    expect(delivery.headers[KLARNA_SIGNING_KEY_ID_HEADER]).toBe(signingKeyId);
    const signature = delivery.headers[KLARNA_SIGNATURE_HEADER];
    expect(typeof signature).toBe('string');
    if (typeof signature !== 'string') return;

    expect(verifyKlarnaSignature(delivery.rawBody, signature, secret)).toBe(true);
    const tampered = Buffer.from(delivery.rawBody.toString().replace('"live":false', '"live":true '));
    expect(verifyKlarnaSignature(tampered, signature, secret)).toBe(false);
    expect(
      verifyKlarnaSignature(delivery.rawBody, signature, Secret.wrap('klarna-signing-key', 'other')),
    ).toBe(false);
    expect(verifyKlarnaSignature(delivery.rawBody, undefined, secret)).toBe(false);

    const parsed = parseKlarnaWebhook(delivery.rawBody);
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const event = parsed.event;
    expect(event).toMatchObject({
      eventType: 'payment.request.state-change.completed',
      eventVersion: 'v2',
      subjectAccountId: input.accountId,
      webhookId,
      live: false,
      payloadProblem: null,
      paymentRequest: {
        paymentRequestId: requestId,
        reference: input.paymentRequestReference,
        state: 'COMPLETED',
        tokenReference: input.tokenReference,
      },
    });
    expect(event.occurredAt).toBeInstanceOf(Date);
    expect(event.secrets.customerToken).toBeDefined();
    expect(event.secrets.networkSessionToken).toBeDefined();

    // The raw bytes do hold the tokens; nothing derived from them may.
    expect(delivery.rawBody.toString()).toContain(rawToken);
    const stored = JSON.stringify(event.storablePayload);
    expect(stored).toContain('[sealed]');
    expect(stored).toContain(requestId);
    for (const raw of [rawToken, rawSession]) {
      expect(stored).not.toContain(raw);
      expect(rendered(event)).not.toContain(raw);
    }

    // The session token read from the webhook finalizes the first payment (e).
    if (event.secrets.networkSessionToken === undefined || input.amountMinor === undefined) return;
    const finalized = await rig.gateway.finalizeSignupPayment(
      {
        accountId: input.accountId,
        currency: 'EUR',
        amountMinor: input.amountMinor,
        transactionReference: input.transactionReference,
        capture: 'NOW',
        networkSessionToken: event.secrets.networkSessionToken,
      },
      key(),
    );
    expect(finalized).toMatchObject({ kind: 'answered', payment: { result: 'APPROVED' } });
  });

  it('every delivery of the journey verifies and parses', () => {
    if (secret === undefined) throw new Error('no signing key');
    expect(receiver.deliveries.length).toBeGreaterThanOrEqual(3);
    const types = receiver.deliveries.map((d) => {
      expect(
        verifyKlarnaSignature(
          d.rawBody,
          d.headers[KLARNA_SIGNATURE_HEADER] as string,
          secret as SigningKeySecret,
        ),
      ).toBe(true);
      const parsed = parseKlarnaWebhook(d.rawBody);
      if (!parsed.ok) throw new Error(parsed.problem.message);
      return parsed.event.eventType;
    });
    expect(types).toEqual(
      expect.arrayContaining([
        'payment.request.state-change.submitted',
        'payment.request.state-change.in-progress',
        'payment.request.state-change.completed',
      ]),
    );
  });

  it('deletes the webhook, then the key; deleting again is not_found', async () => {
    expect(await notifications.deleteWebhook(webhookId, key())).toMatchObject({ kind: 'deleted' });
    expect(await notifications.deleteWebhook(webhookId, key())).toMatchObject({ kind: 'not_found' });
    expect(await notifications.deleteSigningKey(signingKeyId, key())).toMatchObject({ kind: 'deleted' });
    expect(await notifications.deleteSigningKey(signingKeyId, key())).toMatchObject({ kind: 'not_found' });
    expect(await notifications.listSigningKeys()).toMatchObject({ kind: 'answered', signingKeys: [] });
  });

  it('no log line names a token (bodies are never logged)', () => {
    const text = rig.logger.text();
    expect(text).not.toMatch(/krn:customer-token|klarna-network-session-token:/);
    expect(rig.logger.lines.map((l) => l.obj.operation)).toEqual(
      expect.arrayContaining(['create_signing_key', 'create_webhook', 'list_webhooks', 'delete_webhook']),
    );
  });
});
