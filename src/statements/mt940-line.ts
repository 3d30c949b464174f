import { parseAmountMinor } from './amount.js';
import { StatementParseError, at } from './errors.js';
import { isIban } from './iban.js';
import type { Field } from './mt940-fields.js';

/**
 * Field 61 (Statement Line) of the SWIFT MT940/MT942 user handbook:
 *   6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]
 *   [34x]
 * subfield 1 value date YYMMDD, 2 entry date MMDD, 3 debit/credit mark (D, C, RD, RC), 4 funds
 * code (third letter of the currency), 5 amount, 6 transaction type (N, F or S and three
 * characters), 7 reference for the account owner, 8 reference of the account servicing institution,
 * 9 supplementary details on the next line.
 *
 * What real banks write beside the handbook, read here rather than refused:
 * - an entry date of four spaces (ASN Bank, Citibank) instead of leaving it out;
 * - the mark in lower case ("d", ABN AMRO's published examples);
 * - a line break before the amount (Sparkassen) or a space after it (Commerzbank, Deutsche Bank);
 * - "." as the decimal separator and zero-padded amounts ("000000000300.00", old Rabobank format);
 * - a type code with spaces ("NOV ", ING's old format; "S   ", Sberbank) or none at all ("//…"
 *   straight after the amount, Zenith Bank); "NONREF" right after the amount is then the
 *   reference, not type "NONR" with reference "EF";
 * - more than 16 characters before "//" or the line end (old Rabobank: "NONREF" padded to 16,
 *   then the counterparty's name): the reference is the first 16, the rest supplementary detail
 *   (except an IBAN there, which is kept whole and so never read as a reference).
 * What is still an error: no value date, no D/C mark, no amount, a month 13.
 */
export interface StatementLineFields {
  yy: string;
  mm: string;
  dd: string;
  /** MMDD, or undefined when absent or blank. */
  entry: { mm: string; dd: string } | undefined;
  mark: 'C' | 'D' | 'RC' | 'RD';
  amount: string;
  /** null when the bank wrote none. */
  typeCode: string | null;
  customerReference: string;
  bankReference: string | null;
  supplementary: string;
}

// Subfields 1–5. The amount's separator is read by mt940Amount.
const HEAD = /^([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{4}| {4})?([Rr]?[DCdc])([A-Z])?[ \n]?([0-9]+(?:[,.][0-9]*)?) */;
// Subfield 6: one letter and three characters; spaces stand in for characters some banks leave out.
const TYPE_CODE = /^[A-Z][A-Z0-9 ]{3}/;
// No type code: the owner's reference or the bank's follows the amount directly.
const NO_TYPE_CODE = /^(?:\/\/|NONREF(?![A-Z0-9])|$)/;
// Subfield 7 is 16x.
const OWNER_REFERENCE_LENGTH = 16;
// A :61: is two lines of at most ~100 characters; a longer one is not a :61:.
const MAX_STATEMENT_LINE = 300;

export function readStatementLine(field: Field): StatementLineFields {
  const where = `line ${field.line}`;
  const content = field.lines.join('\n').trim();
  const m = content.length <= MAX_STATEMENT_LINE ? HEAD.exec(content) : null;
  if (!m) throw new StatementParseError(':61: is not a statement line (YYMMDD[MMDD], D/C/RD/RC, amount, type, reference)', where);
  const [head, yy = '', mm = '', dd = '', entry, mark = '', , amount = ''] = m;
  const tail = content.slice(head.length);
  const newline = tail.indexOf('\n');
  const rest = newline < 0 ? tail : tail.slice(0, newline);
  const following = newline < 0 ? '' : tail.slice(newline + 1);

  const typeCode = NO_TYPE_CODE.test(rest) ? null : (TYPE_CODE.exec(rest)?.[0] ?? null);
  const references = typeCode === null ? rest : rest.slice(typeCode.length);
  const split = references.indexOf('//');
  const owner = split < 0 ? references : references.slice(0, split);
  // ASN Bank writes the payer's IBAN (18 characters) there: kept whole, so it is seen to be an account.
  const ownerLength = isIban(owner.trim()) ? owner.length : OWNER_REFERENCE_LENGTH;
  const overflow = owner.slice(ownerLength).trim();
  return {
    yy,
    mm,
    dd,
    entry: entry === undefined || entry.trim() === '' ? undefined : { mm: entry.slice(0, 2), dd: entry.slice(2) },
    mark: mark.toUpperCase() as StatementLineFields['mark'],
    amount,
    typeCode: typeCode?.trim() || null,
    customerReference: owner.slice(0, ownerLength).trim(),
    bankReference: split < 0 ? null : references.slice(split + 2).trim() || null,
    supplementary: [overflow, following.trim()].filter((s) => s !== '').join('\n'),
  };
}

/**
 * A SWIFT amount (15d: digits, the decimal comma, at most 15 characters) in minor units. The old
 * Dutch format writes a decimal point instead, down to a bare trailing one for currencies without
 * decimals ("00000000115351." JPY). The field patterns admit one separator or none.
 */
export function mt940Amount(raw: string, currency: string, where: string): bigint {
  const separator = raw.includes('.') ? '.' : ',';
  return at(where, () => parseAmountMinor(raw, currency, { decimalSeparator: separator }));
}
