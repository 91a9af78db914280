// The one logger factory. Secrets are removed here, centrally, so no call site can leak them: the
// raw Klarna customer token, network session tokens, signing keys, API keys, Authorization headers.
// Two layers, because either alone has holes:
//  1. key-based: the object of every log call, child bindings and errors are copied with every
//     secret-named field replaced, at any depth and in any spelling (`redact-object.ts`);
//  2. pattern-based: the serialized line is scrubbed of Klarna token KRNs and `name: value`
//     pairs that hide inside strings, such as a response body in an error message (`redact-text.ts`).
import { pino, type Logger, type LoggerOptions } from 'pino';
import { traceLogFields } from '../ops/trace-context.js';
import { redactError, redactLogObject } from './redact-object.js';
import { scrubSecretsFromLine } from './redact-text.js';

export function createLogger(opts: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    base: opts.name === undefined ? {} : { role: opts.name },
    // Replaces pino's default, which would re-serialize the already redacted error object.
    serializers: { err: redactError },
    formatters: { log: redactLogObject, bindings: redactLogObject },
    hooks: { streamWrite: scrubSecretsFromLine },
    // The trace id of the request, job or tick the line is written in (ops/trace-context.ts).
    mixin: traceLogFields,
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}
