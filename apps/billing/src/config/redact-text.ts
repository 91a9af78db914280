// The last line of defence: runs on every serialized log line (pino `hooks.streamWrite`) and
// replaces what looks like a secret wherever it sits: in a message, an error stack, a response
// body wrapped in a string, a URL. It catches what the key-based walker cannot see, such as
// `new Error('authorize failed: ' + bodyText)`.
//
// Every replacement keeps the line valid JSON: no pattern consumes a quote or a backslash, except
// a whole `\u003a` escape, and the replacement contains neither.
import { REDACTED } from './redact-object.js';
import { SECRET_NAME_SOURCE } from './secret-names.js';

/** `:` raw, percent-encoded once or twice, or as a JSON unicode escape. */
const SEP = String.raw`(?::|%3a|%253a|\\u003a)`;
const SEGMENT = '[a-z0-9._~-]+';
/** KRN segments that name a secret: customer tokens, network session tokens, the deprecated payment token. */
const SECRET_TYPE = '(?:customer-token|klarna-network-session-token|network-session-token|payment-token)';
const TAIL = String.raw`(?:\\u003a|[\w.~+/=%:-])*`;

/**
 * A KRN with a secret type segment anywhere after `krn:`, and everything after it:
 * `krn:customer-token:eu1:<id>`, `krn:partner:us1:live:identity:customer-token:<id>`,
 * `krn:payment:eu1:klarna-network-session-token:<id>`, `krn:payment:eu1:payment-token:<id>`
 * (INFERRED shape: Klarna documents the old name, not its format).
 */
const KLARNA_SECRET_KRN = new RegExp(`krn${SEP}(?:${SEGMENT}${SEP}){0,8}?${SECRET_TYPE}${TAIL}`, 'gi');

const AUTH_SCHEME = String.raw`(?:basic|bearer|digest|token)\s+`;

/**
 * A secret-named field followed by its value, inside text: `"customer_token":"v"` (also
 * JSON-escaped once or more), `Klarna-Customer-Token: v`, `customer_token=v`, `Authorization:
 * Basic v`. Values that are already a redaction marker are left alone.
 *
 * Why the value is always inside a JSON string, so replacing it keeps the line valid: a quoted
 * value's two quotes carry the same number of backslashes (same escaping level), so the second one
 * opens a string; an unquoted value may follow a quote only when an odd number of backslashes
 * escapes it, which rules out `"customer_token":null` on the line itself.
 */
const NAMED_SECRET_VALUE = new RegExp(
  // Not right after `:`, so KRN segments such as `...:notification:signing-key:<id>` (an id, not a key) stay.
  `(?<!:)(?<name>${SECRET_NAME_SOURCE})` +
    String.raw`(?:(?<quoted>(?<escapes>\\*)"\s*[:=]\s*\k<escapes>")(?!\[redacted)[^"\\]+` +
    String.raw`|(?<plain>(?:(?:\\\\)*\\")?\s*[:=]\s*)(?!${AUTH_SCHEME}\[redacted)(?<scheme>${AUTH_SCHEME})?` +
    String.raw`(?![\\"[{])[^\s"\\,;&)}\]]+)`,
  'gi',
);

interface NamedSecretGroups {
  name: string;
  quoted: string | undefined;
  plain: string | undefined;
  scheme: string | undefined;
}

function redactNamedValue(...args: unknown[]): string {
  const { name, quoted, plain, scheme } = args.at(-1) as NamedSecretGroups;
  return quoted === undefined
    ? `${name}${plain ?? ''}${scheme ?? ''}${REDACTED}`
    : `${name}${quoted}${REDACTED}`;
}

/** The password in `scheme://user:password@host`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/@:"\\]+:)[^\s/@"\\]+@/gi;

/**
 * Every secret name ends with one of these words. Searching the lower-cased line for them is much
 * cheaper than running the case-insensitive alternation at every position, and most lines have
 * none. (Non-unicode `/i` matching never maps a non-ASCII character onto an ASCII letter, so the
 * lower-cased search cannot miss what the pattern would find.)
 */
const SECRET_NAME_ENDINGS = ['authorization', 'token', 'key', 'secret', 'passw', 'cookie'];

export function scrubSecretsFromLine(line: string): string {
  const lower = line.toLowerCase();
  let out = lower.includes('krn') ? line.replace(KLARNA_SECRET_KRN, REDACTED) : line;
  if (SECRET_NAME_ENDINGS.some((ending) => lower.includes(ending))) {
    out = out.replace(NAMED_SECRET_VALUE, redactNamedValue);
  }
  return line.includes('://') ? out.replace(URL_PASSWORD, `$1${REDACTED}@`) : out;
}
