// Makes a Klarna payload safe to store as JSON: every raw secret becomes the string "[sealed]".
// What counts as a secret, from strictest to broadest:
//   1. any field named like a token (customer_token, klarna_network_session_token, …) holding a
//      string, wherever it is: the §10.4 locations and the §7 nesting included;
//   2. any field whose name contains "token" and whose value looks like a Klarna KRN;
//   3. any string, under any name, that looks like a KRN token (`krn:…token…`);
//   4. any string (or object key) that contains one of the raw secrets the caller already knows.
// References (`customer_token_reference: "tok_42"`) are not secrets and stay readable.
export const SEALED = '[sealed]';

/** Field names that hold a secret whatever their value looks like (compared lower-case). */
const SECRET_FIELDS = new Set([
  'customer_token',
  'customertoken',
  'klarna_customer_token',
  'klarna_network_session_token',
  'network_session_token',
  'klarnanetworksessiontoken',
  'session_token',
  'payment_token',
  'klarna_payment_token',
  'signing_key',
  'signingkey',
]);

/** Deeper structures are replaced whole: nothing Klarna sends nests this far. */
const MAX_DEPTH = 64;

const looksLikeKrn = (value: string): boolean => /^\s*krn:/i.test(value);
const looksLikeKrnToken = (value: string): boolean => looksLikeKrn(value) && /token/i.test(value);

export function sealSecrets(value: unknown, knownRawSecrets: readonly string[] = []): unknown {
  const known = knownRawSecrets.filter((raw) => raw.length > 0);
  const containsKnown = (text: string): boolean => known.some((raw) => text.includes(raw));
  const sealString = (text: string, fieldName: string | null): string => {
    if (containsKnown(text) || looksLikeKrnToken(text)) return SEALED;
    if (fieldName === null) return text;
    const name = fieldName.toLowerCase();
    if (SECRET_FIELDS.has(name)) return SEALED;
    if (name.includes('token') && looksLikeKrn(text)) return SEALED;
    return text;
  };

  const walk = (node: unknown, fieldName: string | null, depth: number): unknown => {
    if (typeof node === 'string') return sealString(node, fieldName);
    if (node === null || typeof node !== 'object') return node;
    if (depth >= MAX_DEPTH) return SEALED;
    // Array members inherit the field name: `tokens: ["krn:…"]` is as secret as `token: "krn:…"`.
    if (Array.isArray(node)) return node.map((item) => walk(item, fieldName, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      // defineProperty: a "__proto__" key from JSON.parse stays a plain member.
      Object.defineProperty(out, uniqueKey(out, sealString(key, null)), {
        value: walk(child, key, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };

  return walk(value, null, 0);
}

function uniqueKey(target: Record<string, unknown>, key: string): string {
  if (!Object.hasOwn(target, key)) return key;
  for (let n = 2; ; n++) {
    const candidate = `${key}#${n}`;
    if (!Object.hasOwn(target, candidate)) return candidate;
  }
}
