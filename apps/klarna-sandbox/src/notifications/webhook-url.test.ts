import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLocalReceiverHost, webhookUrlProblem } from './webhook-url.js';

describe('webhook URL rule (HTTPS on 443/8443; SIM-ONLY: local receivers may use http and any port)', () => {
  it.each([
    ['https://partner.example/h', undefined],
    ['https://partner.example:443/h', undefined],
    ['https://partner.example:8443/h', undefined],
    ['https://partner.example:8080/h', 'must use port 443 or 8443'],
    ['http://partner.example/h', 'must use https (plain http is accepted only for local receivers)'],
    ['http://127.0.0.1:9999/h', undefined],
    ['http://localhost:9999/h', undefined],
    ['http://api.localhost:9999/h', undefined],
    ['http://[::1]:9999/h', undefined],
    ['http://10.1.2.3:3000/h', undefined],
    ['http://172.20.0.5:3000/h', undefined],
    ['http://172.32.0.5:3000/h', 'must use https (plain http is accepted only for local receivers)'],
    ['http://192.168.1.9/h', undefined],
    ['http://8.8.8.8/h', 'must use https (plain http is accepted only for local receivers)'],
    ['http://webhooks:3000/h', undefined],
    ['https://user:pw@partner.example/h', 'must not contain credentials'],
    ['ftp://partner.example/h', 'must use https'],
    ['/relative', 'must be an absolute URL'],
  ])('%s -> %s', (url, problem) => {
    expect(webhookUrlProblem(url)).toBe(problem);
  });

  it('any public dotted host needs https on 443/8443', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
    fc.assert(
      fc.property(label, label, fc.integer({ min: 1, max: 65535 }), (a, b, port) => {
        const host = `${a}.${b}.example`;
        expect(isLocalReceiverHost(host)).toBe(false);
        const ok = port === 443 || port === 8443;
        expect(webhookUrlProblem(`https://${host}:${port}/x`) === undefined).toBe(ok);
        expect(webhookUrlProblem(`http://${host}:${port}/x`)).toBeDefined();
      }),
    );
  });
});
