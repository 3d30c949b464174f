import { isValidReference } from '../domain/reference.js';
import { withoutIbans } from './iban.js';

export interface ReferenceInput {
  /** Structured creditor references (camt CdtrRefInf/Ref, MT940 EREF+ or /EREF/ sub-fields). */
  structured?: Array<string | null | undefined>;
  endToEndId?: string | null;
  /** Free text: remittance information, :86: purpose. */
  text: string;
  /** Caller's patterns; capture group 1, or the whole match, is the reference. */
  patterns?: RegExp[];
  /**
   * Weaker identifiers the bank supplied (MT940 KREF/MREF, the :61: customer reference): kept as
   * candidates, but after everything found in the text.
   */
  secondary?: Array<string | null | undefined>;
}

/**
 * The literals camt, SEPA and MT940 use for "no reference"; one would match every other. A run of
 * zeros is the same placeholder in Polish MT940 (":61:…S02000000000000//…") and elsewhere.
 */
const NO_REFERENCE = /^(?:NOTPROVIDED|NOT PROVIDED|NONREF|[0 ]+)$/i;

// Czech/Slovak variable symbol: "VS:123", "VS 123", "/VS/123", "VS123"; 1–10 digits.
const VARIABLE_SYMBOL = /(?<![\p{L}\p{N}])VS(?:\s*[:.]\s*|\s+|\/)?([0-9]{1,10})(?![0-9])/giu;
// Every variable symbol starts with these two letters, matched with the same flags (so "Vſ" too):
// a quicker test for the many lines that have none.
const MAY_HAVE_VARIABLE_SYMBOL = /VS/iu;
// Tollgate references are ten digits; a longer digit run (an IBAN, a card number) is not one.
const TEN_DIGITS = /(?<![0-9])[1-9][0-9]{9}(?![0-9])/g;
// ISO 11649 creditor reference, written compact or in groups of four: at most 21 characters after
// the check digits, single spaces between them. One character per step, so a long run of letters
// after "RF12" is given back at most 24 times, not split into groups every possible way
// ("(?: ?[0-9A-Za-z]{1,4}){1,6}" tried thousands of splits per "RF" before failing).
const CREDITOR_REFERENCE = /(?<![\p{L}\p{N}])RF[0-9]{2}(?: ?[0-9A-Za-z]){1,24}(?![\p{L}\p{N}])/gu;

// What normalise would change: a run of whitespace, whitespace other than a space, or a space at either end.
const NOT_NORMAL = /\s\s|[^\S ]|^ | $/;

export function normalise(value: string): string {
  // Most text is already normal, and testing is cheaper than building a copy of it.
  return NOT_NORMAL.test(value) ? value.replace(/\s+/g, ' ').trim() : value;
}

/** ISO 11649: move "RFnn" to the end, letters become 10–35, the number mod 97 must be 1. */
export function isCreditorReference(compact: string): boolean {
  if (!/^RF[0-9]{2}[0-9A-Z]{1,21}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = ch <= '9' ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of value) rest = (rest * 10 + Number(digit)) % 97;
  }
  return rest === 1;
}

function creditorReferences(text: string): string[] {
  const found: string[] = [];
  // Every match starts with "RF" (case kept): most lines have none, and a plain search finds that sooner.
  if (!text.includes('RF')) return found;
  for (const m of text.matchAll(CREDITOR_REFERENCE)) {
    // Grouped forms can swallow a following word ("RF18 5390 0754 7034 Thanks"): drop trailing
    // groups until the check digits agree.
    const groups = m[0].split(' ');
    while (groups.length > 0) {
      const compact = groups.join('');
      if (isCreditorReference(compact.toUpperCase())) {
        found.push(compact);
        break;
      }
      groups.pop();
    }
  }
  return found;
}

// A caller's RegExp may be global with a stale lastIndex or sticky; matchAll would start mid-text.
const scanners = new WeakMap<RegExp, RegExp>();

function scanner(pattern: RegExp): RegExp {
  let copy = scanners.get(pattern);
  if (copy === undefined) {
    copy = new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, '')}g`);
    scanners.set(pattern, copy);
  }
  return copy;
}

function patternMatches(text: string, patterns: RegExp[]): string[] {
  const found: string[] = [];
  for (const pattern of patterns) {
    for (const m of text.matchAll(scanner(pattern))) found.push(m[1] ?? m[0]);
  }
  return found;
}

/**
 * Candidate references for matching, strongest first: structured creditor references (and ISO
 * 11649 ones found in the text), the EndToEndId, variable symbols, Tollgate references in the text
 * (outside IBANs), the caller's patterns, then the weaker bank identifiers. Whitespace is normalised, case kept,
 * duplicates (ignoring case) dropped, NOTPROVIDED and all-zero placeholders never returned.
 */
export function extractReferences(input: ReferenceInput): string[] {
  const text = normalise(input.text);
  // The account part of an IBAN is digits like a reference's (NL36INGB6470254683), never one.
  const accountFree = withoutIbans(text);
  const candidates = [
    ...(input.structured ?? []),
    ...creditorReferences(text),
    input.endToEndId,
    ...(MAY_HAVE_VARIABLE_SYMBOL.test(accountFree) ? Array.from(accountFree.matchAll(VARIABLE_SYMBOL), (m) => m[1]) : []),
    ...Array.from(accountFree.matchAll(TEN_DIGITS), (m) => m[0]).filter(isValidReference),
    ...patternMatches(text, input.patterns ?? []),
    ...(input.secondary ?? []),
  ];
  const seen = new Set<string>();
  const references: string[] = [];
  for (const candidate of candidates) {
    if (candidate === null || candidate === undefined) continue;
    const value = normalise(candidate);
    const key = value.toUpperCase();
    if (value === '' || NO_REFERENCE.test(value) || seen.has(key)) continue;
    seen.add(key);
    references.push(value);
  }
  return references;
}
