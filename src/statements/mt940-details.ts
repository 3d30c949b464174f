import { polishDetails, polishSeparator } from './mt940-details-pl.js';
import { accountOf } from './iban.js';
import { normalise } from './references.js';

/** What an :86: field says about a transaction, in the terms extractReferences needs. */
export interface Details {
  text: string;
  /** EREF and creditor references: rule 1, structured. */
  structured: string[];
  /** KREF, MREF and similar identifiers: candidates, but weaker than anything in the text. */
  secondary: string[];
  counterparty: string | null;
  /** The counterparty's account (German ?31, Polish ~38/~31, ING /CNTP/ or /IBAN/). */
  counterpartyAccount: string | null;
}

// SEPA keywords of the German (DFÜ/ZKA) format. SEPA caps these identifiers at 35 characters.
const SEPA_KEYWORD = /^(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT)\+(.*)$/s;
const SEPA_ID_LENGTH = 35;

/**
 * German structured details: "166?00GUTSCHRIFT?100399?20EREF+…?21…?32NAME". Sub-fields ?20–?29
 * and ?60–?63 are the purpose, cut into 27-character slices, so they are joined without spaces
 * (lines too: a "?2" can end one line and "2" start the next). SEPA keywords start a sub-field;
 * an identifier continues into the next sub-fields only while it stays within 35 characters,
 * after which the sub-fields are purpose text again ("EREF+TFNR 40005 00005?21MTLG:Grund…").
 */
function subfieldDetails(joined: string): Details {
  const parts = joined.split(/\?([0-9]{2})/);
  const fields: Array<[number, string]> = [];
  for (let i = 1; i + 1 < parts.length; i += 2) fields.push([Number(parts[i]), parts[i + 1] ?? '']);
  const purpose = fields.filter(([code]) => (code >= 20 && code <= 29) || (code >= 60 && code <= 63)).map(([, v]) => v);
  const name = fields.filter(([code]) => code === 32 || code === 33).map(([, v]) => v).join('');

  const keyed = new Map<string, string>();
  const free: string[] = [];
  let current: { key: string; value: string; open: boolean } | undefined;
  for (const slice of purpose) {
    const keyword = SEPA_KEYWORD.exec(slice);
    if (keyword) {
      current = { key: keyword[1] ?? '', value: keyword[2] ?? '', open: true };
      if (!keyed.has(current.key)) keyed.set(current.key, current.value);
      continue;
    }
    const isIdentifier = current !== undefined && current.key !== 'SVWZ' && current.key !== 'ABWA' && current.key !== 'ABWE';
    if (current?.open && (!isIdentifier || (current.value + slice).trimEnd().length <= SEPA_ID_LENGTH)) {
      current.value += slice;
      keyed.set(current.key, current.value);
      continue;
    }
    if (current) current.open = false;
    free.push(slice);
  }
  const anyKeyword = keyed.size > 0;
  const get = (key: string) => (keyed.get(key) ?? '').trim() || undefined;
  // Slices outside any keyword are one wrapped text, like the purpose without keywords.
  const text = anyKeyword ? `${free.join('')} ${get('SVWZ') ?? ''}` : purpose.join('');
  return {
    text: normalise(text),
    structured: [get('EREF')].filter((v): v is string => v !== undefined),
    secondary: [get('KREF'), get('MREF')].filter((v): v is string => v !== undefined),
    counterparty: normalise(name) || null,
    counterpartyAccount: accountOf(fields.find(([code]) => code === 31)?.[1]),
  };
}

// Slash-coded details (Rabobank, ABN AMRO and ING SEPA): "/EREF/…/BENM//NAME/…/REMI/…".
const SLASH_CODE =
  /\/(TRTP|EREF|PREF|IREF|MARF|CSID|CDTRREFTP|CDTRREF|CD|ISSR|REMI|USTD|STRD|BENM|ORDP|CNTP|NAME|ADDR|IBAN|BIC|ISDT|RTRN|PURP|ULTD|ULTC|ULTB|SVCL|TRCD|OCMT|CHGS|EXCH|ATOM|ACCW|BUSP)(?=\/)/g;

/**
 * The value without its leading and trailing slashes. A loop, not /^\/+|\/+$/g: that regex tries
 * "\/+$" at every slash of an inner run and backtracks to the run's end each time, so an 80 KB
 * :86: of slashes cost billions of steps; this reads each character at most once.
 */
export function trimSlashes(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) === SLASH) start++;
  while (end > start && value.charCodeAt(end - 1) === SLASH) end--;
  return value.slice(start, end);
}

const SLASH = 0x2f;

function slashDetails(joined: string): Details {
  const values = new Map<string, string>();
  const matches = Array.from(joined.matchAll(SLASH_CODE));
  matches.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length + 1;
    const end = matches[i + 1]?.index ?? joined.length;
    const value = trimSlashes(joined.slice(start, Math.max(start, end)));
    if (!values.has(m[1] ?? '') || values.get(m[1] ?? '') === '') values.set(m[1] ?? '', value);
  });
  const get = (key: string) => normalise(values.get(key) ?? '') || undefined;
  const remittance = normalise([get('REMI'), get('USTD'), get('STRD')].filter(Boolean).join(' '));
  return {
    // Without a remittance code the field is still the bank's words about the payment ("/PREF/…",
    // Citibank's "/PT/FT/PY/…"): kept as written rather than dropped.
    text: remittance || normalise(joined),
    structured: [get('EREF'), get('CDTRREF')].filter((v): v is string => v !== undefined),
    secondary: [get('MARF'), get('PREF'), get('IREF')].filter((v): v is string => v !== undefined),
    counterparty: get('NAME') ?? counterpartyOf(values.get('CNTP')) ?? null,
    counterpartyAccount: accountOf(values.get('IBAN')) ?? accountOf(values.get('CNTP')?.split('/')[0]),
  };
}

/** ING's counterparty: "/CNTP/account/BIC/name/city/", any part possibly empty. */
function counterpartyOf(cntp: string | undefined): string | undefined {
  return normalise(cntp?.split('/')[2] ?? '') || undefined;
}

/** Parses :86: content lines in whichever of the four styles they come. */
function parseOne(lines: string[]): Details {
  const first = (lines[0] ?? '').trimStart();
  const joined = [first, ...lines.slice(1)].join('');
  if (/^(?:[0-9]{3})?\?[0-9]{2}/.test(first)) return subfieldDetails(joined);
  // Polish "~"/"<" sub-fields; the code may stand alone on the first line, so the joined text decides.
  const separator = polishSeparator(joined);
  if (separator !== undefined) return polishDetails(joined, separator);
  // Slash codes are machine fields wrapped wherever the line is full ("CONTRA ACCOUN" / "T HOLDER").
  if (/^\/[A-Z]{2,9}\//.test(first)) return slashDetails(joined);
  // Free text: a line break may end a thought or wrap a word; nothing tells which, so it is a space.
  return { text: normalise(lines.join(' ')), structured: [], secondary: [], counterparty: null, counterpartyAccount: null };
}

/**
 * The details of one :61:. The handbook allows one :86: per statement line, but banks write
 * several (old Rabobank: name, then purpose); each is read in its own style and all are kept.
 */
export function parseDetails(fields: string[][]): Details {
  const parts = fields.map(parseOne);
  return {
    text: normalise(parts.map((p) => p.text).join(' ')),
    structured: parts.flatMap((p) => p.structured),
    secondary: parts.flatMap((p) => p.secondary),
    counterparty: parts.find((p) => p.counterparty !== null)?.counterparty ?? null,
    counterpartyAccount: parts.find((p) => p.counterpartyAccount !== null)?.counterpartyAccount ?? null,
  };
}
