// Log lines carry the trace id of the request, job or tick they are written in, and only then.
import { describe, expect, it } from 'vitest';
import { runWithTrace, traceIdFrom } from './trace-context.js';
import { captureLog, tracedRequest } from './trace-context.test-support.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('trace ids in log lines', () => {
  it('a line inside a unit of work carries its trace id, across awaits; one outside carries none', async () => {
    const { lines, log } = captureLog();
    log.info('before');
    await runWithTrace(TRACE, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.child({ part: 'x' }).info('inside');
    });
    log.info('after');
    expect(lines.map((l) => [l.msg, l.traceId])).toEqual([
      ['before', undefined],
      ['inside', TRACE],
      ['after', undefined],
    ]);
  });

  it.each([
    [`00-${TRACE}-00f067aa0ba902b7-01`, TRACE],
    [[`00-${TRACE}-00f067aa0ba902b7-01`, 'other'], TRACE],
  ])('takes the trace id of a W3C traceparent %j', (header, expected) => {
    expect(traceIdFrom(header)).toBe(expected);
  });

  it.each([
    undefined,
    '',
    'garbage',
    `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
  ])('makes a new one for %j', (header) => {
    const id = traceIdFrom(header);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toBe(TRACE);
    expect(id).not.toMatch(/^0+$/);
  });

  it("an HTTP request's lines, its handler's included, carry the caller's trace id", async () => {
    const { lines, log } = captureLog();
    expect(await tracedRequest(log, '/things/1', `00-${TRACE}-00f067aa0ba902b7-01`)).toBe(200);
    expect(lines.find((l) => l.msg === 'handler')?.traceId).toBe(TRACE);
    // Fastify's own request lines name it as their request id.
    expect(lines.find((l) => l.msg === 'incoming request')?.reqId).toBe(TRACE);
  });
});
