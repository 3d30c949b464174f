import type { Details } from './mt940-details.js';
import { accountOf } from './iban.js';
import { normalise } from './references.js';

/**
 * Polish structured details: a three-digit transaction code, then sub-fields opened by a separator
 * and two digits. PKO BP and most banks write "~" ("020~00VE02~20Opłata…~32JAN KOWALSKI~38PL…"),
 * mBank, Millennium and others "<". The codes follow the German ?NN layout loosely: 00 the
 * transaction type, 20–26 (and 60–63 where a bank uses them) the title, 27–29 or 32–33 the
 * counterparty, 30/31/38 the counterparty's bank, account and IBAN, which are never references.
 * Only the code-then-sub-field start marks this style; a free text that merely holds a "~" is not it.
 */
const START = /^[0-9]{3}([~<])[0-9]{2}/;

// The narrowest slice a bank cuts a title or name into (German and PKO 27, Elixir 35). A slice at
// least this long was cut mechanically, possibly inside a word or a reference, so the next one
// continues it directly; a shorter slice was ended on purpose (the payer's own title lines).
const SLICE = 27;
// Street prefixes and a postal code: a sub-field after the name that reads like this is an address.
const ADDRESS = /^(?:UL|AL|OS|PL)\.?\s|^(?:ULICA|ALEJA|OSIEDLE)\s|(?<![0-9])[0-9]{2}-[0-9]{3}(?![0-9])/i;

const isTitle = (code: number) => (code >= 20 && code <= 26) || (code >= 60 && code <= 63);

/** The separator when the joined :86: content is in the Polish style, otherwise undefined. */
export function polishSeparator(joined: string): string | undefined {
  return START.exec(joined)?.[1];
}

/** Title slices: a full slice runs on into the next, a short one is followed by a space. */
function joinSlices(slices: string[]): string {
  let out = '';
  let previous: string | undefined;
  for (const slice of slices) {
    if (slice.trim() === '') continue;
    out += previous === undefined || previous.length >= SLICE ? slice : ` ${slice}`;
    previous = slice;
  }
  return normalise(out);
}

/**
 * The name, and its second line only when it is a continuation: the first line filled its slice (so
 * the name was cut) and the second does not read like an address. A name that ended short is
 * followed by the address ("~32JAN KOWALSKI~33UL. DLUGA 1"), which is no part of it; wrongly
 * dropping the end of a long name costs less for matching and display than gluing a street on.
 */
function name(first: string | undefined, second: string | undefined): string | null {
  if (first === undefined || first.trim() === '') return null;
  const continues = second !== undefined && first.length >= SLICE && !ADDRESS.test(second.trim());
  return normalise(continues ? first + second : first) || null;
}

/**
 * Physical lines were already joined without a space (a break can fall inside a sub-field, even
 * between the separator and its digits), as for the German style. 32/33 name the counterparty;
 * banks that leave them empty (mBank) put the name in 27/28.
 */
export function polishDetails(joined: string, separator: string): Details {
  const parts = joined.split(separator === '<' ? /<([0-9]{2})/ : /~([0-9]{2})/);
  const fields: Array<[number, string]> = [];
  for (let i = 1; i + 1 < parts.length; i += 2) fields.push([Number(parts[i]), parts[i + 1] ?? '']);
  const value = (code: number) => fields.find(([c]) => c === code)?.[1];
  return {
    text: joinSlices(fields.filter(([code]) => isTitle(code)).map(([, v]) => v)),
    structured: [],
    secondary: [],
    counterparty: name(value(32), value(33)) ?? name(value(27), value(28)),
    counterpartyAccount: accountOf(value(38)) ?? accountOf(value(31)),
  };
}
