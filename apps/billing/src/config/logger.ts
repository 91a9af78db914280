// The one logger factory. Secrets are removed here, centrally, so no call site can leak them:
// the raw Klarna customer token, network session tokens, API keys and Authorization headers.
import { pino, type Logger, type LoggerOptions } from 'pino';

/** Field names that hold secrets wherever they appear (top level or one level down). */
const SECRET_FIELDS = [
  'customerToken',
  'customer_token',
  'klarnaCustomerToken',
  'networkSessionToken',
  'klarna_network_session_token',
  'apiKey',
  'api_key',
  'secret',
  'signingKey',
  'signing_key',
  'password',
  'authorization',
];

const SECRET_HEADERS = [
  'authorization',
  'klarna-customer-token',
  'x-klarna-customer-token',
  'klarna-network-session-token',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`, `request.headers["${h}"]`]),
];

export function createLogger(opts: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: opts.name === undefined ? {} : { role: opts.name },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}
