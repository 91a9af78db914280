// The logger the Klarna client writes to: anything pino-compatible (a pino Logger fits). The
// client decides what goes into each line and never passes bodies, tokens or keys to it.
export type KlarnaLogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface KlarnaLogger {
  debug: KlarnaLogFn;
  info: KlarnaLogFn;
  warn: KlarnaLogFn;
  error: KlarnaLogFn;
}

/** For callers that want no output (benchmarks, scripts). */
export const silentKlarnaLogger: KlarnaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
