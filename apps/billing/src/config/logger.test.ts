import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

const RAW = 'krn:customer-token:eu1:0d4c8b9e-secret';

describe('logger redaction', () => {
  it.each([
    ['top level', { customerToken: RAW }],
    ['snake case', { customer_token: RAW }],
    ['nested once', { attempt: { customerToken: RAW } }],
    ['nested twice', { job: { data: { customer_token: RAW } } }],
    ['request header', { req: { headers: { 'klarna-customer-token': RAW } } }],
    ['outgoing header', { headers: { 'klarna-customer-token': RAW, authorization: `Basic ${RAW}` } }],
    ['network session token', { payload: { klarna_network_session_token: RAW } }],
  ])('never prints the raw token: %s', (_name, fields) => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', destination: stream }).info(fields, 'charging');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('secret');
    expect(lines[0]).toContain('[redacted]');
  });

  it('keeps ordinary fields', () => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', name: 'worker', destination: stream }).info({ subscriptionId: 's1' }, 'ok');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ role: 'worker', subscriptionId: 's1', msg: 'ok' });
  });
});
