/**
 * ISO 4217 currencies in use (the list of 2025, without funds of the IMF, precious metals and test
 * codes), with the decimals of their minor unit: 2 unless listed otherwise. A fixed table rather than the
 * runtime's ICU data: ICU gives display digits (IDR, HUF 0, IQD 0), not ISO's minor units (2, 2, 3), and
 * its list differs between Node versions. A conversion's value may have as many decimals as its
 * currency's minor unit; reports show money to that unit.
 */
const CODES =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
  'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW ' +
  'KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN ' +
  'NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD ' +
  'SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW ' +
  'UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG';
const KNOWN: ReadonlySet<string> = new Set(CODES.split(' '));

const MINOR_UNIT_DIGITS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((c) => [c, 0]),
  ),
  ...Object.fromEntries('BHD IQD JOD KWD LYD OMR TND'.split(' ').map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};

export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** Decimals of the currency's minor unit: 2, or 0 (JPY), 3 (BHD), 4 (CLF). */
export function minorUnitDigits(code: string): number {
  return MINOR_UNIT_DIGITS[code] ?? 2;
}

/** Decimal places of a number as written (0.5 → 1, 12.345 → 3), up to 6; 7 for more. */
export function decimalsOf(value: number): number {
  for (let d = 0; d <= 6; d++) if (Number(value.toFixed(d)) === value) return d;
  return 7;
}
