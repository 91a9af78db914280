import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { Secret } from '../secrets/secret.js';

function capture(name?: string): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger(
    name === undefined
      ? { level: 'info', destination: stream }
      : { level: 'info', name, destination: stream },
  );
  return { lines, log };
}

// Every secret below carries `raw0secret`, which must never reach a log line.
const TOKEN = 'krn:customer-token:eu1:0d4c8b9e-5e1f-4a00-raw0secret';
const OPAQUE = 'opq-7f3a9c2e1b-raw0secret';
const SESSION = 'krn:payment:eu1:klarna-network-session-token:77aa0b1c-raw0secret';

function bodyText(): string {
  return JSON.stringify({
    customer_token_response: { customer_token: { customer_token: TOKEN, scopes: ['x'] } },
  });
}

function errorWith<T extends object>(message: string, props: T): Error & T {
  return Object.assign(new Error(message), props);
}

describe('logger redaction', () => {
  it.each<[string, (log: Logger) => void]>([
    // The cases pino's path-based redaction already covered.
    ['top level', (log) => log.info({ customerToken: OPAQUE }, 'charging')],
    ['snake case', (log) => log.info({ customer_token: OPAQUE }, 'charging')],
    ['nested once', (log) => log.info({ attempt: { customerToken: OPAQUE } }, 'charging')],
    ['nested twice', (log) => log.info({ job: { data: { customer_token: OPAQUE } } }, 'charging')],
    ['request header', (log) => log.info({ req: { headers: { 'klarna-customer-token': OPAQUE } } })],
    [
      'outgoing headers',
      (log) => log.info({ headers: { 'klarna-customer-token': OPAQUE, authorization: `Basic ${OPAQUE}` } }),
    ],
    ['network session token', (log) => log.info({ payload: { klarna_network_session_token: OPAQUE } })],
    // Deeper than two levels: a webhook body as received.
    [
      'webhook body',
      (log) =>
        log.info({
          event: {
            payload: {
              klarna_network_session_token: SESSION,
              state_context: { klarna_customer: { customer_token: OPAQUE } },
            },
          },
        }),
    ],
    [
      'array of bodies',
      (log) => log.info({ events: [{ payload: [{ klarna_customer: { customerToken: OPAQUE } }] }] }),
    ],
    // Header names in any case and spelling.
    ['mixed-case header', (log) => log.info({ headers: { 'Klarna-Customer-Token': OPAQUE } })],
    ['X- header', (log) => log.info({ headers: { 'X-Klarna-Customer-Token': OPAQUE } })],
    ['upper-case session header', (log) => log.info({ headers: { 'KLARNA-NETWORK-SESSION-TOKEN': OPAQUE } })],
    ['deprecated payment token header', (log) => log.info({ headers: { 'Klarna-Payment-Token': OPAQUE } })],
    ['Authorization header', (log) => log.info({ headers: { Authorization: `Basic ${OPAQUE}` } })],
    ['fetch Headers', (log) => log.info({ headers: new Headers({ 'Klarna-Customer-Token': OPAQUE }) })],
    ['set-cookie array', (log) => log.info({ headers: { 'Set-Cookie': [`sid=${OPAQUE}`] } })],
    ['api key variants', (log) => log.info({ apiKey: OPAQUE, 'X-Api-Key': OPAQUE, KLARNA_API_KEY: OPAQUE })],
    ['signing key', (log) => log.info({ key: { signing_key: OPAQUE, signingKey: OPAQUE } })],
    ['secret and password', (log) => log.info({ webhookSecret: OPAQUE, db: { password: OPAQUE } })],
    ['child bindings', (log) => log.child({ customerToken: OPAQUE }).info('charging')],
    // Errors: the message, the stack and their own properties.
    ['error wrapping a response body', (log) => log.error(new Error('authorize failed: ' + bodyText()))],
    [
      'error with a response.body object',
      (log) =>
        log.error({ err: errorWith('authorize failed', { response: { body: { customer_token: OPAQUE } } }) }),
    ],
    [
      'error with a response.body string',
      (log) => log.error(errorWith('authorize failed', { response: { status: 400, body: bodyText() } })),
    ],
    [
      'error with a body text of opaque token',
      (log) => log.error(errorWith('failed', { body: JSON.stringify({ customer_token: OPAQUE }) })),
    ],
    [
      'error cause',
      (log) => log.error(new Error('charge failed', { cause: new Error(`bad token ${TOKEN}`) })),
    ],
    ['non-error cause', (log) => log.error(new Error('charge failed', { cause: { customerToken: OPAQUE } }))],
    ['error under another key', (log) => log.warn({ failure: new Error(`rejected ${TOKEN}`) }, 'retrying')],
    ['aggregate error', (log) => log.error(new AggregateError([new Error(TOKEN)], 'all failed'))],
    // Strings anywhere: the message, printf arguments, encoded forms.
    ['message text', (log) => log.info(`stored token ${TOKEN}`)],
    ['printf %s', (log) => log.info('stored token %s', TOKEN)],
    ['printf %o', (log) => log.info('stored %o', { customer_token: OPAQUE })],
    ['header line in text', (log) => log.info(`sent Klarna-Customer-Token: ${OPAQUE}`)],
    ['percent-encoded KRN', (log) => log.info({ url: `https://x.test/cb?t=${encodeURIComponent(TOKEN)}` })],
    ['query parameter', (log) => log.info({ url: `https://x.test/cb?customer_token=${OPAQUE}&a=1` })],
    ['JSON-escaped body', (log) => log.info({ body: JSON.stringify({ customer_token: OPAQUE }) })],
    [
      'twice JSON-escaped body',
      (log) => log.info({ body: JSON.stringify(JSON.stringify({ secret: OPAQUE })) }),
    ],
    ['partner KRN', (log) => log.info({ note: 'krn:partner:us1:live:identity:customer-token:raw0secret' })],
    ['network session KRN', (log) => log.info({ note: `finalize with ${SESSION}` })],
    ['deprecated payment token KRN', (log) => log.info({ note: 'krn:payment:eu1:payment-token:raw0secret' })],
    ['URL password', (log) => log.info({ db: 'postgresql://rebill:raw0secret@db.internal/rebill' })],
    // Values whose JSON would show the bytes.
    ['Buffer', (log) => log.info({ body: Buffer.from(OPAQUE) })],
    ['Map', (log) => log.info({ tokens: new Map([['t', OPAQUE]]) })],
    ['Secret', (log) => log.info({ token: Secret.wrap('klarna-customer-token', OPAQUE) })],
    ['beyond the depth bound', (log) => log.info(deeplyNested(30, { note: OPAQUE }))],
  ])('never prints the raw secret: %s', (_name, logIt) => {
    const { lines, log } = capture();
    logIt(log);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(line).not.toContain('raw0secret');
    expect(line).toMatch(/\[redacted|\[Buffer|\[Map|\[Truncated/);
  });

  it('prints a Secret as its marker', () => {
    const { lines, log } = capture();
    log.info({ token: Secret.wrap('klarna-customer-token', OPAQUE) }, 'stored');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ token: '[redacted klarna-customer-token]' });
  });

  it('keeps ordinary fields, and what only looks like a secret', () => {
    const { lines, log } = capture('worker');
    const fields = {
      subscriptionId: 's1',
      customer_token_reference: 'tok_sub_42',
      apiKeyPrefix: 'rb_live_ab',
      idempotencyKey: 'att_1',
      payment_transaction_id: 'krn:payment:eu1:transaction:6debe89e',
      webhook_id: 'krn:partner:global:notification:webhook:1c2d',
      signing_key_id: 'krn:partner:global:notification:signing-key:9f8e',
      at: new Date(0),
    };
    log.info(fields, 'ok');
    expect(JSON.parse(lines[0] ?? '{}')).toEqual({
      ...fields,
      at: '1970-01-01T00:00:00.000Z',
      level: 30,
      time: expect.any(Number) as unknown,
      role: 'worker',
      msg: 'ok',
    });
  });

  it('serializes errors with their type, message and properties', () => {
    const { lines, log } = capture();
    log.error(errorWith('authorize failed', { status: 503 }));
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      err: {
        type: 'Error',
        message: 'authorize failed',
        status: 503,
        stack: expect.stringContaining('Error') as unknown,
      },
      msg: 'authorize failed',
    });
  });

  it('leaves the logged object as it was', () => {
    const { log } = capture();
    const fields = {
      headers: { 'Klarna-Customer-Token': OPAQUE },
      err: errorWith('x', { body: { secret: OPAQUE } }),
    };
    log.info(fields);
    expect(fields.headers['Klarna-Customer-Token']).toBe(OPAQUE);
    expect(fields.err.body.secret).toBe(OPAQUE);
  });
});

function deeplyNested(levels: number, leaf: object): object {
  let value: object = leaf;
  for (let i = 0; i < levels; i++) value = { level: value };
  return value;
}

// Property: wherever a token is planted (under a secret-named key in any case and spelling, at any
// depth among random siblings; or inside a string, raw, percent-encoded or JSON-escaped), no line
// shows it, nor its base64, hex or URL-encoded form.
describe('logger redaction, property', () => {
  const secretNameWords = [
    ['customer', 'token'],
    ['klarna', 'customer', 'token'],
    ['x', 'klarna', 'customer', 'token'],
    ['klarna', 'network', 'session', 'token'],
    ['network', 'session', 'token'],
    ['klarna', 'payment', 'token'],
    ['authorization'],
    ['api', 'key'],
    ['signing', 'key'],
    ['secret'],
    ['password'],
    ['cookie'],
    ['set', 'cookie'],
  ];
  const secretName = fc
    .tuple(
      fc.constantFrom(...secretNameWords),
      fc.constantFrom('', '-', '_'),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    )
    .map(([words, sep, upper]) =>
      [...words.join(sep)].map((ch, i) => (upper[i] === true ? ch.toUpperCase() : ch)).join(''),
    );
  // Keys of 3+ characters that are no secret name, so siblings stay visible in the output.
  const plainKey = fc
    .stringMatching(/^[a-z][a-zA-Z0-9]{2,8}$/)
    .filter((k) => !/token|key|secret|pass|cookie|auth/i.test(k));
  const leaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null));
  const siblings = fc.dictionary(plainKey, leaf, { maxKeys: 4 });
  const layers = fc.array(fc.tuple(plainKey, siblings, fc.boolean()), { maxLength: 8 });
  const opaqueToken = fc.stringMatching(/^[A-Za-z0-9]{20,40}$/);
  const krnToken = fc
    .tuple(
      fc.constantFrom(
        'krn:customer-token:eu1:',
        'krn:partner:us1:live:identity:customer-token:',
        'krn:payment:eu1:klarna-network-session-token:',
        'krn:payment:us1:payment-token:',
      ),
      fc.uuid(),
    )
    .map(([prefix, id]) => prefix + id);

  function wrap(
    inner: Record<string, unknown>,
    wrappers: [string, Record<string, unknown>, boolean][],
  ): object {
    let value: unknown = inner;
    for (const [key, others, asArray] of wrappers) value = { ...others, [key]: asArray ? [value] : value };
    return value as object;
  }

  function encodings(token: string): string[] {
    return [
      token,
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('hex'),
      encodeURIComponent(token),
    ];
  }

  function assertClean(lines: string[], forms: string[]) {
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    JSON.parse(line);
    for (const form of forms) expect(line).not.toContain(form);
  }

  it('no token under a secret-named key reaches the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(opaqueToken, krnToken),
        secretName,
        siblings,
        layers,
        fc.boolean(),
        (token, name, others, wrappers, asError) => {
          const { lines, log } = capture();
          const inner = { ...others, [name]: token };
          if (asError) log.error(errorWith('failed', { response: wrap(inner, wrappers) }));
          else log.info(wrap(inner, wrappers), 'planted');
          assertClean(lines, encodings(token));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('no Klarna token inside a string reaches the line', () => {
    const where = fc.constantFrom('field', 'message', 'error', 'error-body', 'printf');
    const encode = fc.constantFrom('raw', 'url', 'json');
    fc.assert(
      fc.property(
        krnToken,
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        where,
        encode,
        layers,
        (token, before, after, place, encoding, wrappers) => {
          const planted =
            encoding === 'url'
              ? encodeURIComponent(token)
              : encoding === 'json'
                ? JSON.stringify({ t: token })
                : token;
          const text = `${before}${planted}${after}`;
          const { lines, log } = capture();
          if (place === 'field') log.info(wrap({ note: text }, wrappers));
          else if (place === 'message') log.info(text);
          else if (place === 'error') log.error(new Error(text));
          else if (place === 'error-body') log.error(errorWith('failed', { body: text }));
          else log.info('got %s', text);
          assertClean(lines, encoding === 'raw' ? encodings(token) : [token, planted]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
