/**
 * Payment references ("variable symbols"): ten digits, the last a weighted mod-11 check digit, so
 * a bank transfer can carry them in a digits-only field and any single mistyped digit is caught
 * before it matches the wrong payment. Bodies whose check value would be 10 are not used (they
 * would need an eleventh symbol), so the caller draws another body.
 * The nine-digit body comes from the caller (random); uniqueness is the database's job.
 */
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** 0–10; 10 means "this body cannot carry a one-digit check". */
export function checkValue(body: string): number {
  let sum = 0;
  for (let i = 0; i < WEIGHTS.length; i += 1) sum += Number(body[i]) * (WEIGHTS[i] ?? 0);
  return (11 - (sum % 11)) % 11;
}

/** The reference for a nine-digit body, or undefined when the body has no one-digit check. */
export function referenceFromBody(body: number): string | undefined {
  if (!Number.isInteger(body) || body < 100_000_000 || body > 999_999_999) {
    throw new RangeError('reference body must have nine digits and no leading zero');
  }
  const digits = String(body);
  const check = checkValue(digits);
  return check === 10 ? undefined : digits + String(check);
}

export function isValidReference(text: string): boolean {
  return /^[1-9]\d{9}$/.test(text) && checkValue(text.slice(0, 9)) === Number(text[9]);
}
