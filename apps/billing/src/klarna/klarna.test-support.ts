// Test helpers for the Klarna client's pure tests: HTTP results as the transport would hand them
// over, and a logger that keeps every line it is given.
import { inspect } from 'node:util';
import type { KlarnaHttpResult } from './http.js';
import type { KlarnaLogger } from './logger.js';

export function jsonResult(
  status: number,
  body: unknown,
  extra: { correlationId?: string | null; retryAfterMs?: number | null } = {},
): KlarnaHttpResult {
  return {
    kind: 'response',
    status,
    correlationId: extra.correlationId === undefined ? 'corr-1' : extra.correlationId,
    retryAfterMs: extra.retryAfterMs ?? null,
    body: body === undefined ? { kind: 'empty' } : { kind: 'json', value: body },
  };
}

export interface CapturedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export interface CapturingLogger extends KlarnaLogger {
  lines: CapturedLine[];
  /** Every line rendered the ways a real logger could render it. */
  text(): string;
}

export function capturingLogger(): CapturingLogger {
  const lines: CapturedLine[] = [];
  const at =
    (level: CapturedLine['level']) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      lines
        .map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)} ${inspect(l.obj, { depth: 20 })}`)
        .join('\n'),
  };
}

/** Everything a value could show: its JSON and its util.inspect rendering. */
export function rendered(value: unknown): string {
  return `${JSON.stringify(value)}\n${inspect(value, { depth: 20, showHidden: true })}`;
}
