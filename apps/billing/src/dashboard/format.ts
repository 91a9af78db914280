// How the dashboard shows money, instants and ids.
import { CURRENCY_EXPONENTS, isCurrencyCode } from '../domain/money.js';

export function money(amountMinor: number | null, currency: string | null): string {
  if (amountMinor === null || currency === null) return '';
  const exponent = isCurrencyCode(currency) ? CURRENCY_EXPONENTS[currency] : 2;
  return `${(amountMinor / 10 ** exponent).toFixed(exponent)} ${currency}`;
}

/** An instant in UTC to the second: `2026-03-02 09:00:00Z`. */
export function instant(at: Date | null): string {
  return at === null ? '' : `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The first block of a uuid, enough to tell rows apart on a page. */
export const shortId = (id: string): string => id.slice(0, 8);
