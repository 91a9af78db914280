// Which field, header and parameter names hold a secret. One list, used by the object walker (keys
// at any depth) and by the line scrubber (`name: value`, `name=value` and `"name":"value"` inside
// strings), so both agree on what a secret is.
//
// Names match case-insensitively, with `-`, `_`, `.` or a space between words or none at all
// (`customer_token`, `customerToken`, `Klarna-Customer-Token`), and at the END of a name: so
// `x-klarna-customer-token` and `webhookSecret` are secrets while `customer_token_reference`
// (Rebill's own reference, shown to merchants) and `apiKeyPrefix` are not.
const SEP = '[-_. ]?';

const SECRET_NAME_PATTERNS = [
  'authorization', // also proxy-authorization
  `customer${SEP}token`, // klarna-customer-token, x-klarna-customer-token, customerToken
  `session${SEP}token`, // klarna-network-session-token, network_session_token
  `payment${SEP}token`, // Klarna-Payment-Token, the deprecated name of the session token
  `access${SEP}token`,
  `refresh${SEP}token`,
  `api${SEP}key`, // api_key, x-api-key, klarnaApiKey
  `signing${SEP}key`,
  `private${SEP}key`,
  `encryption${SEP}key`,
  `fingerprint${SEP}key`, // VAULT_FINGERPRINT_KEY
  `vault${SEP}keys?`, // VAULT_KEYS
  'secret', // secret, clientSecret, webhook_secret
  'password',
  'passwd',
  'cookies?', // cookie, set-cookie
];

/** The alternation without anchors, for embedding in the line scrubber. */
export const SECRET_NAME_SOURCE = `(?:${SECRET_NAME_PATTERNS.join('|')})`;

const SECRET_NAME = new RegExp(`${SECRET_NAME_SOURCE}$`, 'i');

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
