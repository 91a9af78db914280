// Per-call CPU cost of the redacting logger next to plain pino (no redaction) and pino's own
// path-based redaction, writing to a no-op stream so only formatting is measured.
// Run: npm run bench:logger -w @rebill/billing. Reports the best of several rounds (shared machines are noisy).
import { pino, type Logger } from 'pino';
import { createLogger } from '../src/config/logger.js';

const sink = { write: (_line: string) => undefined };
const loggers: Record<string, Logger> = {
  'pino, no redaction': pino({ level: 'info', base: { role: 'worker' } }, sink),
  'pino, path redaction': pino(
    {
      level: 'info',
      base: { role: 'worker' },
      redact: { paths: ['customerToken', '*.customerToken', '*.*.customerToken', 'headers.authorization'] },
    },
    sink,
  ),
  createLogger: createLogger({ level: 'info', name: 'worker', destination: sink }),
};

const payloads: Record<string, object> = {
  flat: { subscriptionId: 'sub_123', attemptId: 'att_456', periodIndex: 7, amount: 1999, currency: 'EUR' },
  nested: {
    job: { id: 'j1', data: { subscriptionId: 'sub_123', periodIndex: 7 } },
    headers: { authorization: 'Basic x', 'content-type': 'application/json' },
    result: { status: 'APPROVED', transaction: 'krn:payment:eu1:transaction:0d4c8b9e' },
  },
  error: { err: new Error('authorize failed: 503'), attemptId: 'att_456' },
};

function nsPerCall(fn: () => void): number {
  const calls = 100_000;
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
  }
  return best;
}

for (const [payloadName, payload] of Object.entries(payloads)) {
  for (const [loggerName, logger] of Object.entries(loggers)) {
    const ns = nsPerCall(() => logger.info(payload, 'charge approved'));
    console.log(`${payloadName.padEnd(7)} ${loggerName.padEnd(22)} ${(ns / 1000).toFixed(2)} us/call`);
  }
}
