/**
 * Payment references ("variable symbols"): ten digits, the last a check digit, so a bank transfer
 * can carry them in a field that takes only digits and a typo is caught before a wrong match.
 * The nine-digit body comes from the caller (random); uniqueness is the database's job.
 */
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Check digit by weighted sum mod 11 (10 folds to 0). */
export function checkDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < WEIGHTS.length; i += 1) sum += Number(body[i]) * (WEIGHTS[i] ?? 0);
  return ((11 - (sum % 11)) % 11) % 10;
}

export function referenceFromBody(body: number): string {
  if (!Number.isInteger(body) || body < 100_000_000 || body > 999_999_999) {
    throw new RangeError('reference body must have nine digits and no leading zero');
  }
  const digits = String(body);
  return digits + String(checkDigit(digits));
}

export function isValidReference(text: string): boolean {
  return /^[1-9]\d{9}$/.test(text) && checkDigit(text.slice(0, 9)) === Number(text[9]);
}
