import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../secrets/secret.js';
import { verifyKlarnaSignature } from './webhook-signature.js';

const SECRET = 'q1D0vN8m3l2x-base64url-signing-key';
const key = Secret.wrap('klarna-signing-key', SECRET);
const body = Buffer.from('{"metadata":{"event_id":"1"},"payload":{"state":"COMPLETED"}}', 'utf8');
const sign = (bytes: Buffer, secret = SECRET) => createHmac('sha256', secret).update(bytes).digest('hex');

describe('verifyKlarnaSignature', () => {
  it('accepts the lowercase hex HMAC-SHA256 of the raw bytes', () => {
    expect(verifyKlarnaSignature(body, sign(body), key)).toBe(true);
  });

  it('accepts the same MAC in upper case (hex is case-insensitive)', () => {
    expect(verifyKlarnaSignature(body, sign(body).toUpperCase(), key)).toBe(true);
  });

  it.each<[string, string | undefined]>([
    ['missing', undefined],
    ['empty', ''],
    ['too short', sign(body).slice(0, 63)],
    ['too long', `${sign(body)}00`],
    ['not hex', `${sign(body).slice(0, 63)}g`],
    ['base64 of the MAC', createHmac('sha256', SECRET).update(body).digest('base64')],
    ['padded with spaces', ` ${sign(body)}`],
    ['signed with another key', sign(body, 'another-key')],
    ['signed over other bytes', sign(Buffer.from(`${body.toString()} `))],
  ])('refuses a signature that is %s', (_name, header) => {
    expect(verifyKlarnaSignature(body, header, key)).toBe(false);
  });

  it('is over the bytes as received, not re-serialized JSON', () => {
    const spaced = Buffer.from(
      '{ "metadata": {"event_id": "1"}, "payload": {"state": "COMPLETED"} }',
      'utf8',
    );
    expect(verifyKlarnaSignature(spaced, sign(body), key)).toBe(false);
    expect(verifyKlarnaSignature(spaced, sign(spaced), key)).toBe(true);
  });
});
