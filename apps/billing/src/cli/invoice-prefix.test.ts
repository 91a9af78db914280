import { describe, expect, it } from 'vitest';
import { invoicePrefixBase, pickInvoicePrefix } from './invoice-prefix.js';

describe('invoicePrefixBase', () => {
  it.each([
    ['Acme Corporation', 'ACME'],
    ['Café Öland AB', 'CAFE'],
    ['4 seasons', '4SEA'],
    ['Æ', 'RB'],
    ['東京ストア', 'RB'],
    ['x', 'RB'],
    ['Jo', 'JO'],
  ])('%s -> %s', (name, base) => {
    expect(invoicePrefixBase(name)).toBe(base);
  });
});

describe('pickInvoicePrefix', () => {
  it('takes the base when free, else the lowest free counter', () => {
    expect(pickInvoicePrefix('ACME', new Set())).toBe('ACME');
    expect(pickInvoicePrefix('ACME', new Set(['ACME']))).toBe('ACME2');
    expect(pickInvoicePrefix('ACME', new Set(['ACME', 'ACME2', 'ACME4']))).toBe('ACME3');
    expect(pickInvoicePrefix('ACME', new Set(['ACMEX']))).toBe('ACME');
  });
});
