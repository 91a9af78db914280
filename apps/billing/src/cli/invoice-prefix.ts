// A merchant's invoice number prefix (`ACME` in ACME-1042): up to four upper-case letters or
// digits from its name, then a counter when another merchant has it (ACME2, ACME3, ...). Pure.

const MAX_BASE_LENGTH = 4;
const FALLBACK = 'RB';

/** `Café Öland AB` -> `CAFE`; names without Latin letters or digits get `RB`. */
export function invoicePrefixBase(name: string): string {
  const letters = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  const base = letters.slice(0, MAX_BASE_LENGTH);
  return base.length >= 2 ? base : FALLBACK;
}

/** The base itself when free, else the base with the lowest free counter from 2. */
export function pickInvoicePrefix(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const candidate = `${base}${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
