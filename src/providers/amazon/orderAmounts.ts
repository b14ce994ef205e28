// Exact decimal arithmetic for Orders API amounts (Money.Amount is a decimal string): amounts
// become integers of 1/10000 (the most decimals an order price may carry in Synq), so sums,
// products and divisions never touch a float.

export const DECIMAL = /^\d{1,13}(\.\d{1,4})?$/;

/** "19.99" -> 199900n: amounts as integers of 1/10000, so sums and divisions stay exact. */
export function scaled(amount: string): bigint | null {
  if (!DECIMAL.test(amount)) return null;
  const [int = '0', frac = ''] = amount.split('.');
  return BigInt(int) * 10_000n + BigInt((frac + '0000').slice(0, 4));
}

/** 199900n -> "19.99": at least 2 decimals, at most 4, trailing zeros beyond 2 dropped. */
export function formatScaled(units: bigint): string {
  const digits = units.toString().padStart(5, '0');
  let fraction = digits.slice(-4);
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${digits.slice(0, -4)}.${fraction}`;
}

/**
 * ItemPrice is the line's price (unit price × QuantityOrdered); Synq stores unit prices. The
 * division is done on scaled integers, so "59.97" / 3 is exactly "19.99"; a quotient with more
 * than 4 decimals is rounded half-up at the 4th (the most an order price may carry).
 */
export function unitPrice(itemPrice: string, quantity: number): string | null {
  const line = scaled(itemPrice);
  if (line === null) return null;
  if (quantity <= 1) return itemPrice;
  const q = BigInt(quantity);
  return formatScaled(line / q + ((line % q) * 2n >= q ? 1n : 0n));
}

/** unit × quantity, for the fake's ItemPrice (the line's price). */
export function lineAmount(unit: string, quantity: number): string | null {
  const u = scaled(unit);
  return u === null ? null : formatScaled(u * BigInt(quantity));
}
