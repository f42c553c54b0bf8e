/**
 * Traffic weights in percent, as users write them ("0.29%", "1.1%").
 *
 * AWS takes the weight as a fraction, a double from 0.0 to 1.0 with no documented precision. We accept
 * at most two decimals of a percent (0.01 %, one request in 10,000): finer weights mean nothing for a
 * canary. Precision is judged on the decimal text, never by arithmetic on the double: 0.29 * 100 is
 * 28.999999999999996 in floating point, which is how such weights used to be rejected.
 */

export const MAX_WEIGHT_DECIMALS = 2;

/** Decimal places of a weight as written ("12.50" has 1: trailing zeros say nothing). */
export function decimalPlacesOfText(text: string): number {
  const fraction = /^\d+\.(\d+)$/.exec(text.trim())?.[1];
  return fraction === undefined ? 0 : fraction.replace(/0+$/, "").length;
}

/**
 * Decimal places of a weight given as a number, from its shortest round-trip text: `String(0.29)` is
 * "0.29". Exponent notation (1e-7) only appears far beyond any precision we accept.
 */
export function decimalPlacesOf(weight: number): number {
  const text = String(weight);
  return /e/i.test(text) ? Number.POSITIVE_INFINITY : decimalPlacesOfText(text.replace(/^-/, ""));
}
