// GTIN check digits (GS1 mod-10). A barcode is published as gtin8/12/13/14 only
// when it is all digits, of one of those lengths, and its check digit is right:
// a wrong GTIN is worse than none for Merchant Center (item disapproval).

export type GtinProperty = 'gtin8' | 'gtin12' | 'gtin13' | 'gtin14';

export function isValidGtin(code: string): boolean {
  const n = code.length;
  if (n !== 8 && (n < 12 || n > 14)) return false;
  // Every character a digit (what /^\d+$/ checks, without a regex: this runs once per variant
  // in every feed build), weights alternating 3,1,3,… from the digit left of the check digit.
  let sum = 0;
  for (let i = n - 2, w = 3; i >= 0; i--, w = 4 - w) {
    const d = code.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    sum += d * w;
  }
  const check = code.charCodeAt(n - 1) - 48;
  return check >= 0 && check <= 9 && (10 - (sum % 10)) % 10 === check;
}

/** The gtin8/12/13/14 property a barcode is published as, or null (see isValidGtin). */
export function gtinPropertyName(barcode: string | null): GtinProperty | null {
  return barcode !== null && isValidGtin(barcode) ? (`gtin${barcode.length}` as GtinProperty) : null;
}

export function gtinProperty(barcode: string | null): { property: GtinProperty; value: string } | null {
  const property = gtinPropertyName(barcode);
  return property === null ? null : { property, value: barcode! };
}
