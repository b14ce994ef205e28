// Price conversions for the renditions. Prices are exact decimal strings in the
// database ("89.99"); no float ever touches them here.

const minorDigitsCache = new Map<string, number>();

/** ISO 4217 minor-unit digits (USD 2, JPY 0, BHD 3), from the ICU data Node ships. */
export function minorDigits(currency: string): number {
  let d = minorDigitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    minorDigitsCache.set(currency, d);
  }
  return d;
}

/**
 * "89.99" USD → 8999. Extra decimals beyond the currency's minor unit are rounded
 * half-up (a "1.2345" USD price is 123 cents); callers get an integer ≥ 0.
 */
export function toMinorUnits(price: string, currency: string): number {
  const digits = minorDigits(currency);
  const [int = '0', frac = ''] = price.split('.');
  const padded = (frac + '0'.repeat(digits + 1)).slice(0, digits + 1);
  let units = BigInt(int) * 10n ** BigInt(digits) + BigInt(padded.slice(0, digits) || '0');
  if (Number(padded[digits] ?? '0') >= 5) units += 1n;
  return Number(units);
}

/** "39" USD → "39.00": the currency's own number of decimals, for Merchant Center's "39.00 USD". */
export function formatDecimal(price: string, currency: string): string {
  const digits = minorDigits(currency);
  const units = toMinorUnits(price, currency);
  if (digits === 0) return String(units);
  const s = String(units).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
