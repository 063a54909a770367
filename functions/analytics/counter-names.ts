/**
 * Attribute names of counter items, written and read back here only (docs/data-model.md lists them).
 */

/** Attribution credit: `<touchpoint>|<stage>|<lookback day>|<measure>`; names never contain `|`. */
const CREDIT_SEPARATOR = '|';
/** The credit attribute's measure for conversions (revenue credits are named by their currency). */
export const CREDIT_CONVERSIONS = 'n';

export function creditAttribute(
  touchpoint: string,
  stage: string,
  lookbackDay: number,
  measure: string,
): string {
  const name = measure === 'conversions' ? CREDIT_CONVERSIONS : measure;
  return [touchpoint, stage, String(lookbackDay), name].join(CREDIT_SEPARATOR);
}

export interface CreditAttribute {
  touchpoint: string;
  stage: string;
  lookbackDay: number;
  /** `conversions`, or a currency code. */
  measure: string;
}

/** The parts of a credit attribute; null for any other attribute of the item. */
export function parseCreditAttribute(attribute: string): CreditAttribute | null {
  const parts = attribute.split(CREDIT_SEPARATOR);
  if (parts.length !== 4) return null;
  const [touchpoint = '', stage = '', day = '', measure = ''] = parts;
  const lookbackDay = Number(day);
  if (!Number.isInteger(lookbackDay)) return null;
  return {
    touchpoint,
    stage,
    lookbackDay,
    measure: measure === CREDIT_CONVERSIONS ? 'conversions' : measure,
  };
}

/** Whether an attribute of a counter item is a count (what recount compares), not a description. */
export function isCountAttribute(attribute: string): boolean {
  return /^(clicks|scans|bots|uv|v|b:.*|d:.*)$/.test(attribute) || parseCreditAttribute(attribute) !== null;
}
