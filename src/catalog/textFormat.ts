// Two builtins the feed writer calls for every product, done faster for the common case and
// exactly as the builtin otherwise (textFormat.test.ts checks both against the builtins):
// Date.prototype.toISOString cost ~1 µs per call in Node 20 (a C++ builtin that formats with
// snprintf), ~5% of the JSON-LD build's main-thread time at 100k products; encodeURIComponent
// ~120 ns on a typical handle or SKU that needs no escaping at all.

/** Two-digit and three-digit zero-padded numbers, built once. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there on toISOString writes six-digit years. */
const YEAR_10000 = 253_402_300_800_000;

/** d.toISOString(), for any valid date; years 1970–9999 formatted here, the rest by the builtin. */
export function isoTimestamp(d: Date): string {
  const t = d.getTime();
  if (!(t >= 0 && t < YEAR_10000)) return d.toISOString(); // also throws for an invalid date, as it does
  const days = Math.floor(t / DAY_MS);
  let rest = t - days * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date
  // Algorithms"): eras of 400 years, years starting in March so the leap day comes last.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO[month]}-${TWO[day]}T${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${THREE[ms]}Z`;
}

/** The characters encodeURIComponent leaves alone: A–Z a–z 0–9 - _ . ! ~ * ' ( ) */
const UNRESERVED = /^[\w\-.!~*'()]*$/;

/** encodeURIComponent(s), skipping the builtin when there is nothing to encode. */
export function uriComponent(s: string): string {
  return UNRESERVED.test(s) ? s : encodeURIComponent(s);
}
