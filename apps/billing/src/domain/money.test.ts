import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, InvalidMoneyError, UnknownCurrencyError } from './errors.js';
import {
  CURRENCY_CODES,
  KLARNA_CURRENCIES,
  KLARNA_MAX_AMOUNT,
  addMoney,
  assertKlarnaChargeable,
  compareMoney,
  currencyExponent,
  decimalMoneySchema,
  formatMoney,
  formatMoneyAmount,
  isKlarnaAmount,
  klarnaAmountSchema,
  money,
  moneyEquals,
  moneySchema,
  multiplyMoney,
  parseMoney,
  subtractMoney,
  type CurrencyCode,
} from './money.js';
import { catchError } from './catch-error.test-support.js';

describe('currency table', () => {
  it('covers Klarna currencies plus a zero- and a three-decimal currency', () => {
    for (const code of KLARNA_CURRENCIES) expect(CURRENCY_CODES).toContain(code);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('BHD')).toBe(3);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('HUF')).toBe(2);
  });
});

describe('money()', () => {
  it.each([
    [1.5, 'must be an integer number of minor units'],
    [Number.NaN, 'must be an integer number of minor units'],
    [Number.POSITIVE_INFINITY, 'must be an integer number of minor units'],
    [2 ** 53, 'is outside the safe integer range'],
    [-1, 'must not be negative'],
  ])('rejects %s', (amount, message) => {
    const error = catchError(() => money(amount, 'EUR'));
    expect(error).toBeInstanceOf(InvalidMoneyError);
    expect(error).toMatchObject({ code: 'INVALID_MONEY', field: 'amountMinor', issues: [{ message }] });
  });

  it.each(['XXX', 'eur', 'EURO', '', 'BTC'])('rejects unknown currency %j', (currency) => {
    const error = catchError(() => money(100, currency));
    expect(error).toBeInstanceOf(UnknownCurrencyError);
    expect(error).toMatchObject({ code: 'UNKNOWN_CURRENCY', field: 'currency', currency });
  });

  it('accepts negatives only when asked, and normalises -0', () => {
    expect(money(-5, 'SEK', { allowNegative: true }).amountMinor).toBe(-5);
    expect(Object.is(money(-0, 'SEK').amountMinor, 0)).toBe(true);
    expect(Object.isFrozen(money(1, 'SEK'))).toBe(true);
  });
});

describe('arithmetic', () => {
  it('adds, subtracts and multiplies within one currency', () => {
    expect(addMoney(money(150, 'EUR'), money(250, 'EUR'))).toEqual({ amountMinor: 400, currency: 'EUR' });
    expect(subtractMoney(money(150, 'EUR'), money(250, 'EUR'))).toEqual({
      amountMinor: -100,
      currency: 'EUR',
    });
    expect(multiplyMoney(money(999, 'USD'), 3)).toEqual({ amountMinor: 2997, currency: 'USD' });
    expect(compareMoney(money(1, 'USD'), money(2, 'USD'))).toBe(-1);
    expect(moneyEquals(money(1, 'USD'), money(1, 'CAD'))).toBe(false);
  });

  it.each([addMoney, subtractMoney, compareMoney])('%o throws a typed error across currencies', (op) => {
    const error = catchError(() => op(money(1, 'EUR'), money(1, 'SEK')));
    expect(error).toBeInstanceOf(CurrencyMismatchError);
    expect(error).toMatchObject({ code: 'CURRENCY_MISMATCH', left: 'EUR', right: 'SEK' });
  });

  it('rejects results outside the safe integer range and fractional factors', () => {
    const big = money(Number.MAX_SAFE_INTEGER, 'EUR');
    expect(() => addMoney(big, money(1, 'EUR'))).toThrow(InvalidMoneyError);
    expect(() => multiplyMoney(money(1, 'EUR'), 1.5)).toThrow(InvalidMoneyError);
  });
});

describe('formatMoneyAmount / parseMoney', () => {
  it.each<[number, CurrencyCode, string]>([
    [1234, 'EUR', '12.34'],
    [5, 'EUR', '0.05'],
    [0, 'EUR', '0.00'],
    [-5, 'EUR', '-0.05'],
    [100000, 'SEK', '1000.00'],
    [1234, 'JPY', '1234'],
    [0, 'JPY', '0'],
    [1234, 'KWD', '1.234'],
    [5, 'BHD', '0.005'],
    [-1, 'KWD', '-0.001'],
    [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91'],
  ])('%i %s <-> %s', (minor, currency, text) => {
    const m = money(minor, currency, { allowNegative: true });
    expect(formatMoneyAmount(m)).toBe(text);
    expect(parseMoney(text, currency, { allowNegative: true })).toEqual(m);
  });

  it('formats with the code', () => {
    expect(formatMoney(money(999, 'EUR'))).toBe('9.99 EUR');
  });

  it.each<[string, CurrencyCode, number]>([
    ['12', 'EUR', 1200],
    ['12.3', 'EUR', 1230],
    ['12.340', 'EUR', 1234],
    ['007.50', 'EUR', 750],
    ['1.2', 'KWD', 1200],
    ['15.000', 'JPY', 15],
  ])('parses %j %s as %i', (text, currency, minor) => {
    expect(parseMoney(text, currency).amountMinor).toBe(minor);
  });

  it.each<[string, CurrencyCode, string]>([
    ['12.345', 'EUR', 'EUR allows at most 2 decimal places'],
    ['1.5', 'JPY', 'JPY allows at most 0 decimal places'],
    ['1.0001', 'KWD', 'KWD allows at most 3 decimal places'],
    ['1e3', 'EUR', 'must be a decimal number such as "12.34"'],
    ['1,50', 'EUR', 'must be a decimal number such as "12.34"'],
    [' 1.50', 'EUR', 'must be a decimal number such as "12.34"'],
    ['+1.50', 'EUR', 'must be a decimal number such as "12.34"'],
    ['1.', 'EUR', 'must be a decimal number such as "12.34"'],
    ['.5', 'EUR', 'must be a decimal number such as "12.34"'],
    ['', 'EUR', 'must be a decimal number such as "12.34"'],
    ['-1.00', 'EUR', 'must not be negative'],
    ['90071992547409.92', 'USD', 'is too large'],
  ])('rejects %j %s', (text, currency, message) => {
    const error = catchError(() => parseMoney(text, currency));
    expect(error).toBeInstanceOf(InvalidMoneyError);
    expect(error).toMatchObject({ field: 'amount', issues: [{ message }] });
  });

  it('round-trips any safe amount in any currency (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...CURRENCY_CODES),
        (minor, currency) => {
          const m = money(minor, currency, { allowNegative: true });
          expect(parseMoney(formatMoneyAmount(m), currency, { allowNegative: true })).toEqual(m);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('formats any parsed decimal back to its canonical form (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCY_CODES),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.nat({ max: 999 }),
        (currency, whole, fractionSeed) => {
          const exponent = currencyExponent(currency);
          const fraction =
            exponent === 0 ? '' : String(fractionSeed % 10 ** exponent).padStart(exponent, '0');
          const text = exponent === 0 ? `${whole}` : `${whole}.${fraction}`;
          expect(formatMoneyAmount(parseMoney(text, currency))).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('add then subtract is the identity (property)', () => {
    const amount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });
    fc.assert(
      fc.property(amount, amount, fc.constantFrom(...CURRENCY_CODES), (a, b, currency) => {
        const x = money(a, currency, { allowNegative: true });
        const y = money(b, currency, { allowNegative: true });
        expect(subtractMoney(addMoney(x, y), y)).toEqual(x);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Klarna amount range', () => {
  it.each([
    [1, true],
    [KLARNA_MAX_AMOUNT, true],
    [0, false],
    [KLARNA_MAX_AMOUNT + 1, false],
  ])('%i chargeable: %s', (minor, ok) => {
    expect(isKlarnaAmount(money(minor, 'EUR'))).toBe(ok);
    expect(klarnaAmountSchema.safeParse({ amountMinor: minor, currency: 'EUR' }).success).toBe(ok);
  });

  it('rejects currencies Klarna does not take', () => {
    expect(() => assertKlarnaChargeable(money(100, 'JPY'))).toThrow(UnknownCurrencyError);
    expect(klarnaAmountSchema.safeParse({ amountMinor: 100, currency: 'KWD' }).success).toBe(false);
  });
});

describe('schemas', () => {
  it('moneySchema parses and names the bad field', () => {
    expect(moneySchema.parse({ amountMinor: 100, currency: 'NOK' })).toEqual({
      amountMinor: 100,
      currency: 'NOK',
    });
    for (const [input, field] of [
      [{ amountMinor: 1.5, currency: 'NOK' }, 'amountMinor'],
      [{ amountMinor: -1, currency: 'NOK' }, 'amountMinor'],
      [{ amountMinor: '100', currency: 'NOK' }, 'amountMinor'],
      [{ amountMinor: 100, currency: 'nok' }, 'currency'],
    ] as const) {
      const result = moneySchema.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual([field]);
    }
  });

  it('decimalMoneySchema converts decimal strings and reports the amount field', () => {
    expect(decimalMoneySchema.parse({ amount: '9.99', currency: 'EUR' })).toEqual({
      amountMinor: 999,
      currency: 'EUR',
    });
    const bad = decimalMoneySchema.safeParse({ amount: '9.999', currency: 'EUR' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['amount'],
      message: 'EUR allows at most 2 decimal places',
    });
  });
});
