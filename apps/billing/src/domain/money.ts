// Money is an integer count of minor units plus an ISO 4217 code. No floats anywhere: parsing and
// formatting work on digit strings and BigInt, arithmetic stays within safe integers.
import { z } from 'zod';
import { CurrencyMismatchError, InvalidMoneyError, UnknownCurrencyError } from './errors.js';

/**
 * Minor-unit exponents per ISO 4217. The 15 currencies Klarna lists (CONTRACT.md §5) plus JPY (0)
 * and KWD/BHD (3) so every exponent the code supports is exercised by tests.
 */
export const CURRENCY_EXPONENTS = {
  AUD: 2,
  BHD: 3,
  CAD: 2,
  CHF: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HUF: 2,
  JPY: 0,
  KWD: 3,
  MXN: 2,
  NOK: 2,
  NZD: 2,
  PLN: 2,
  RON: 2,
  SEK: 2,
  USD: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

export const CURRENCY_CODES = Object.keys(CURRENCY_EXPONENTS) as [CurrencyCode, ...CurrencyCode[]];

/** Currencies Klarna's authorize API accepts (CONTRACT.md §5). Plans should use only these. */
export const KLARNA_CURRENCIES = [
  'AUD',
  'CAD',
  'CHF',
  'CZK',
  'DKK',
  'EUR',
  'GBP',
  'HUF',
  'MXN',
  'NOK',
  'NZD',
  'PLN',
  'RON',
  'SEK',
  'USD',
] as const satisfies readonly CurrencyCode[];

export type KlarnaCurrency = (typeof KLARNA_CURRENCIES)[number];

/** Klarna's `amount` range (int32 positive; CONTRACT.md §5). */
export const KLARNA_MIN_AMOUNT = 1;
export const KLARNA_MAX_AMOUNT = 2_147_483_647;

/**
 * A signed amount. Constructors reject negatives unless asked; a difference may be negative
 * (a balance), and `moneySchema` (API input) is non-negative.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

export interface MoneyOptions {
  /** Allow amounts below zero (credits, balances). Default false. */
  readonly allowNegative?: boolean;
}

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.hasOwn(CURRENCY_EXPONENTS, value);
}

export function isKlarnaCurrency(value: string): value is KlarnaCurrency {
  return (KLARNA_CURRENCIES as readonly string[]).includes(value);
}

/** Upper-case ISO code only: `eur` is rejected rather than guessed. */
export function currencyCode(value: string, field = 'currency'): CurrencyCode {
  if (!isCurrencyCode(value)) throw new UnknownCurrencyError(value, field);
  return value;
}

export function currencyExponent(currency: CurrencyCode): number {
  return CURRENCY_EXPONENTS[currency];
}

export function money(amountMinor: number, currency: string, options: MoneyOptions = {}): Money {
  return makeMoney(amountMinor, currencyCode(currency), 'amountMinor', options);
}

export function zeroMoney(currency: string): Money {
  return money(0, currency);
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency, { allowNegative: true });
}

/** May return a negative amount; check `isNegative` where that is not allowed. */
export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency, { allowNegative: true });
}

/** Multiplies by an integer (a quantity); fractional factors would need a rounding rule. */
export function multiplyMoney(m: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new InvalidMoneyError('factor', 'must be an integer');
  return money(m.amountMinor * factor, m.currency, { allowNegative: true });
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

export function moneyEquals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}

export function isNegative(m: Money): boolean {
  return m.amountMinor < 0;
}

export function isKlarnaAmount(m: Money): boolean {
  return m.amountMinor >= KLARNA_MIN_AMOUNT && m.amountMinor <= KLARNA_MAX_AMOUNT;
}

/** Throws unless Klarna's authorize would accept the amount and the currency. */
export function assertKlarnaChargeable(m: Money, field = 'amountMinor'): void {
  if (!isKlarnaAmount(m)) {
    throw new InvalidMoneyError(
      field,
      `must be between ${KLARNA_MIN_AMOUNT} and ${KLARNA_MAX_AMOUNT} minor units`,
    );
  }
  if (!isKlarnaCurrency(m.currency)) {
    throw new UnknownCurrencyError(m.currency, 'currency');
  }
}

/** Exactly `exponent` fraction digits: 1234 EUR -> "12.34", -5 KWD -> "-0.005", 7 JPY -> "7". */
export function formatMoneyAmount(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const negative = m.amountMinor < 0;
  const digits = String(Math.abs(m.amountMinor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** Human/log form: "12.34 EUR". */
export function formatMoney(m: Money): string {
  return `${formatMoneyAmount(m)} ${m.currency}`;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses "12.34" into minor units for `currency`. Accepts up to `exponent` fraction digits (more
 * only when the extra digits are zeros: "12.340" EUR is fine, "12.345" EUR is an error, never
 * rounded). Rejects signs other than a leading '-', exponents, spaces, "1." and ".5".
 */
export function parseMoney(
  text: string,
  currency: string,
  options: MoneyOptions = {},
  field = 'amount',
): Money {
  const code = currencyCode(currency);
  const exponent = currencyExponent(code);
  const match = DECIMAL.exec(text);
  if (!match) throw new InvalidMoneyError(field, 'must be a decimal number such as "12.34"');
  const [, sign, whole = '', rawFraction = ''] = match;
  const extra = rawFraction.slice(exponent);
  if (/[^0]/.test(extra)) {
    throw new InvalidMoneyError(field, `${code} allows at most ${exponent} decimal places`);
  }
  const fraction = rawFraction.slice(0, exponent).padEnd(exponent, '0');
  const magnitude = BigInt(whole + fraction);
  const minor = sign ? -magnitude : magnitude;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidMoneyError(field, 'is too large');
  }
  return makeMoney(Number(minor), code, field, options);
}

function makeMoney(amountMinor: number, currency: CurrencyCode, field: string, options: MoneyOptions): Money {
  if (typeof amountMinor !== 'number' || !Number.isInteger(amountMinor)) {
    throw new InvalidMoneyError(field, 'must be an integer number of minor units');
  }
  if (!Number.isSafeInteger(amountMinor)) {
    throw new InvalidMoneyError(field, 'is outside the safe integer range');
  }
  if (amountMinor < 0 && !options.allowNegative) {
    throw new InvalidMoneyError(field, 'must not be negative');
  }
  // Normalise -0 so equality and formatting never see it.
  return Object.freeze({ amountMinor: amountMinor === 0 ? 0 : amountMinor, currency });
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

// ---- zod schemas (API and persistence boundaries) ----

export const currencyCodeSchema = z.enum(CURRENCY_CODES, {
  error: () => `must be an upper-case ISO 4217 code, one of ${CURRENCY_CODES.join(', ')}`,
});

export const klarnaCurrencySchema = z.enum(KLARNA_CURRENCIES, {
  error: () => `must be a currency Klarna supports: ${KLARNA_CURRENCIES.join(', ')}`,
});

const amountMinorSchema = z.int({ error: 'must be an integer number of minor units' });

/** Non-negative Money as it crosses an API or storage boundary. */
export const moneySchema = z
  .object({
    amountMinor: amountMinorSchema.nonnegative({ error: 'must not be negative' }),
    currency: currencyCodeSchema,
  })
  .transform((value): Money => money(value.amountMinor, value.currency));

/** A chargeable amount: Klarna currency and 1..2147483647 minor units. */
export const klarnaAmountSchema = z
  .object({
    amountMinor: amountMinorSchema
      .min(KLARNA_MIN_AMOUNT, { error: `must be at least ${KLARNA_MIN_AMOUNT}` })
      .max(KLARNA_MAX_AMOUNT, { error: `must be at most ${KLARNA_MAX_AMOUNT}` }),
    currency: klarnaCurrencySchema,
  })
  .transform((value): Money => money(value.amountMinor, value.currency));

/** `{ amount: "12.34", currency: "EUR" }` -> Money, with the offending field named on error. */
export const decimalMoneySchema = z
  .object({
    amount: z.string({ error: 'must be a decimal string such as "12.34"' }),
    currency: currencyCodeSchema,
  })
  .transform((value, ctx): Money => {
    try {
      return parseMoney(value.amount, value.currency);
    } catch (error) {
      if (!(error instanceof InvalidMoneyError)) throw error;
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: error.issues[0]?.message ?? 'invalid amount',
      });
      return z.NEVER;
    }
  });
