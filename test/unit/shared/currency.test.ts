import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalsOf, isCurrency, minorUnitDigits } from '#shared/currency';

describe('currencies (ISO 4217)', () => {
  it('knows the codes in use and their minor units', () => {
    for (const code of ['EUR', 'USD', 'JPY', 'BHD', 'IDR', 'HUF', 'IQD', 'CLF'])
      expect(isCurrency(code)).toBe(true);
    for (const code of ['ZZZ', 'XTS', 'XAU', 'HRK', 'eur']) expect(isCurrency(code)).toBe(false);
    expect(['EUR', 'IDR', 'HUF', 'JPY', 'BHD', 'IQD', 'CLF'].map(minorUnitDigits)).toEqual([
      2, 2, 2, 0, 3, 3, 4,
    ]);
  });

  it('counts the decimals of an amount as written, large amounts too', () => {
    expect([0, 5, 0.5, 12.34, 12.345, 1.2345, 0.000001].map(decimalsOf)).toEqual([0, 0, 1, 2, 3, 4, 6]);
    expect(decimalsOf(670796250.58)).toBe(2);
    expect(decimalsOf(12345678.1234)).toBe(4);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_000_000 }),
        fc.integer({ min: 0, max: 2 }),
        (units, d) => {
          const value = units / 10 ** d;
          expect(decimalsOf(value)).toBeLessThanOrEqual(d);
        },
      ),
    );
  });
});
