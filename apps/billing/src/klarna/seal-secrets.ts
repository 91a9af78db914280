// Makes a Klarna payload safe to store as JSON: every raw secret becomes the string "[sealed]".
// What counts as a secret:
//   1. any string in a field named like a token (customer_token, klarna_network_session_token, …),
//      wherever it is: the §10.4 locations and the §7 nesting included;
//   2. any string in a field whose name contains "token" and that looks like a Klarna KRN;
//   3. any string, under any name, with a KRN token in it (`…krn:customer-token:eu1:…`);
//   4. any string or object key containing a secret found by 1-3 anywhere in the payload, or one
//      the caller already knows (the tokens it read), so a copy under an innocent name is sealed too.
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
/** Shorter secrets are sealed where they stand but not searched for inside other strings. */
const MIN_SEARCHED_LENGTH = 8;

const looksLikeKrn = (value: string): boolean => /^\s*krn:/i.test(value);
const containsKrnToken = (value: string): boolean => /krn:[^\s"'<>]*token/i.test(value);

/** Rules 1-3: is this string, in a field of this name, a secret by itself? */
function isSecretByItself(text: string, fieldName: string | null): boolean {
  if (containsKrnToken(text)) return true;
  if (fieldName === null) return false;
  const name = fieldName.toLowerCase();
  return SECRET_FIELDS.has(name) || (name.includes('token') && looksLikeKrn(text));
}

/** Visits every string of a JSON value with the name of the field it is in (arrays pass theirs on). */
function visitStrings(
  node: unknown,
  fieldName: string | null,
  depth: number,
  visit: (s: string, f: string | null) => void,
): void {
  if (typeof node === 'string') return visit(node, fieldName);
  if (node === null || typeof node !== 'object' || depth >= MAX_DEPTH) return;
  if (Array.isArray(node)) {
    for (const item of node) visitStrings(item, fieldName, depth + 1, visit);
    return;
  }
  for (const [key, child] of Object.entries(node)) visitStrings(child, key, depth + 1, visit);
}

export function sealSecrets(value: unknown, knownRawSecrets: readonly string[] = []): unknown {
  const found = new Set(knownRawSecrets.filter((raw) => raw.length > 0));
  visitStrings(value, null, 0, (text, fieldName) => {
    if (isSecretByItself(text, fieldName)) found.add(text);
  });
  const searched = [...found].filter((raw) => raw.length >= MIN_SEARCHED_LENGTH);
  const isSecret = (text: string, fieldName: string | null): boolean =>
    found.has(text) || isSecretByItself(text, fieldName) || searched.some((raw) => text.includes(raw));

  const walk = (node: unknown, fieldName: string | null, depth: number): unknown => {
    if (typeof node === 'string') return isSecret(node, fieldName) ? SEALED : node;
    if (node === null || typeof node !== 'object') return node;
    if (depth >= MAX_DEPTH) return SEALED;
    // Array members inherit the field name: `tokens: ["krn:…"]` is as secret as `token: "krn:…"`.
    if (Array.isArray(node)) return node.map((item) => walk(item, fieldName, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      // defineProperty: a "__proto__" key from JSON.parse stays a plain member.
      Object.defineProperty(out, uniqueKey(out, isSecret(key, null) ? SEALED : key), {
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
