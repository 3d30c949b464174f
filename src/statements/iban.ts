/**
 * IBANs in statement text. An IBAN is an account, never a payment reference, but its account part
 * can look like one: a Dutch IBAN (NLkk BANK 0123456789) ends in ten digits, which is exactly the
 * shape of a Tollgate reference. Files are often anonymised or hand-typed, so the check digits are
 * not trusted to tell an IBAN; the country's IBAN length (ISO 13616 registry) and the shape do.
 */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, KW: 30, KZ: 20,
  LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30,
  NL: 18, NO: 15, PK: 24, PL: 28, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24,
  SM: 27, TN: 24, TR: 26, UA: 29, XK: 20,
};

// Country, check digits, BBAN, written compact. Grouped IBANs ("NL91 ABNA 0417 …") need no
// blanking: their digits come in fours, which no reference pattern takes for a reference.
const COMPACT_IBAN = /(?<![\p{L}\p{N}])[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}(?![\p{L}\p{N}])/gu;

// How every compact IBAN begins: a quicker test for the many texts that hold none.
const MAY_HAVE_IBAN = /[A-Z]{2}[0-9]{2}/;

/** True for a compact IBAN of a known country with that country's length. */
export function isIban(value: string): boolean {
  const length = IBAN_LENGTHS[value.slice(0, 2)];
  return length !== undefined && value.length === length && /^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(value);
}

/** The text with every IBAN blanked out (same length, so positions stay), for reference scanning. */
export function withoutIbans(text: string): string {
  if (!MAY_HAVE_IBAN.test(text)) return text;
  return text.replace(COMPACT_IBAN, (match) => (isIban(match) ? ' '.repeat(match.length) : match));
}

/**
 * A counterparty's account as a statement writes it (an IBAN or a bank's own number), without the
 * spaces banks group IBANs with; null when empty. Kept only to tell a person where a refund goes.
 */
export function accountOf(raw: string | undefined): string | null {
  const compact = (raw ?? '').replace(/\s+/g, '').slice(0, 64);
  return compact === '' ? null : compact;
}
