/**
 * ISO 4217 currencies as the runtime's ICU data knows them (every active code; no test or fund codes
 * such as XTS), with their minor units: EUR 2, JPY 0, BHD 3, CLF 4. A conversion's value may have as
 * many decimals as its currency's minor unit, and reports show money to that unit.
 */
const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const digits = new Map<string, number>();

export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** Decimals of the currency's minor unit (2 for an unknown code, which validation refuses anyway). */
export function minorUnitDigits(code: string): number {
  let n = digits.get(code);
  if (n === undefined) {
    n = isCurrency(code)
      ? (new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
          .maximumFractionDigits ?? 2)
      : 2;
    digits.set(code, n);
  }
  return n;
}

/** Decimal places of a number as written (0.5 → 1, 12.345 → 3), up to 6. */
export function decimalsOf(value: number): number {
  for (let d = 0; d <= 6; d++) if (Math.abs(Math.round(value * 10 ** d) - value * 10 ** d) < 1e-6) return d;
  return 7;
}
