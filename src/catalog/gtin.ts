// GTIN check digits (GS1 mod-10). A barcode is published as gtin8/12/13/14 only
// when it is all digits, of one of those lengths, and its check digit is right:
// a wrong GTIN is worse than none for Merchant Center (item disapproval).

export type GtinProperty = 'gtin8' | 'gtin12' | 'gtin13' | 'gtin14';

export function isValidGtin(code: string): boolean {
  if (!/^\d{8}$|^\d{12,14}$/.test(code)) return false;
  let sum = 0;
  // Weights alternate 3,1,3,… from the digit left of the check digit.
  for (let i = code.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += (code.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10 === code.charCodeAt(code.length - 1) - 48;
}

export function gtinProperty(barcode: string | null): { property: GtinProperty; value: string } | null {
  if (barcode === null || !isValidGtin(barcode)) return null;
  return { property: `gtin${barcode.length}` as GtinProperty, value: barcode };
}
