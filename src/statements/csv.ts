import { parseAmountMinor } from './amount.js';
import { readCsv, type CsvRecord } from './csv-reader.js';
import { exactDate, isoDate } from './dates.js';
import { StatementParseError, at } from './errors.js';
import { accountOf } from './iban.js';
import { extractReferences, normalise } from './references.js';
import type { CsvColumnMap, FormatResult, ParsedLine, UnnumberedLine } from './types.js';

const CREDIT = /^(?:C|CR|CRDT|CREDIT|\+)$/i;
const DEBIT = /^(?:D|DR|DBIT|DEBIT|-)$/i;

// Every mapped column, by its role; defaultCurrency and the format settings are not columns.
const COLUMN_ROLES = ['amount', 'currency', 'date', 'valueDate', 'reference', 'text', 'counterparty', 'counterpartyAccount', 'bankReference', 'direction'] as const;
type Role = (typeof COLUMN_ROLES)[number];

function csvDate(raw: string, order: CsvColumnMap['dateOrder']): string | null {
  const value = raw.trim();
  if (value === '') return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return isoDate(value);
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (compact) return exactDate(Number(compact[1]), Number(compact[2]), Number(compact[3]), value);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value);
  if (dotted) return exactDate(Number(dotted[3]), Number(dotted[2]), Number(dotted[1]), value);
  const slashed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (slashed && order !== undefined) {
    const [first, second] = [Number(slashed[1]), Number(slashed[2])];
    return order === 'DMY' ? exactDate(Number(slashed[3]), second, first, value) : exactDate(Number(slashed[3]), first, second, value);
  }
  const hint = slashed ? ' (set dateOrder to read slashed dates: 03/04 is March or April)' : '';
  throw new StatementParseError(`"${raw}" is not a date${hint}`, 'date');
}

/** Finds each mapped column in the header: exact name first, then ignoring case and spaces around. */
function columnIndexes(header: CsvRecord, map: CsvColumnMap): Map<Role, number> {
  const names = header.fields.map((h) => h.replace(/^\uFEFF/, '').trim());
  const indexes = new Map<Role, number>();
  for (const role of COLUMN_ROLES) {
    const wanted = map[role];
    if (wanted === undefined) continue;
    let index = names.indexOf(wanted);
    if (index < 0) index = names.findIndex((n) => n.toLowerCase() === wanted.trim().toLowerCase());
    if (index < 0) throw new StatementParseError(`the header has no column "${wanted}" (mapped as ${role})`, `line ${header.line}`);
    indexes.set(role, index);
  }
  return indexes;
}

function row(record: CsvRecord, map: CsvColumnMap, columns: Map<Role, number>, patterns: RegExp[]): UnnumberedLine {
  const where = `line ${record.line}`;
  const cell = (role: Role): string | undefined => {
    const index = columns.get(role);
    if (index === undefined) return undefined;
    const value = record.fields[index];
    if (value === undefined) throw new StatementParseError(`the row has ${record.fields.length} fields, too few for "${map[role]}"`, where);
    return value.trim();
  };
  const currency = (cell('currency') || map.defaultCurrency || '').toUpperCase();
  if (currency === '') throw new StatementParseError('no currency: the row has none and the map sets no defaultCurrency', where);
  const signed = at(where, () =>
    parseAmountMinor(cell('amount') ?? '', currency, { decimalSeparator: map.decimalSeparator ?? '.', groupSeparator: map.groupSeparator }),
  );
  let direction: ParsedLine['direction'] = signed < 0n ? 'debit' : 'credit';
  const stated = cell('direction');
  if (stated !== undefined) {
    if (!CREDIT.test(stated) && !DEBIT.test(stated)) throw new StatementParseError(`"${stated}" says neither credit nor debit`, where);
    direction = CREDIT.test(stated) ? 'credit' : 'debit';
    if (signed < 0n && direction === 'credit') throw new StatementParseError('a negative amount marked as a credit', where);
  }
  const text = normalise(cell('text') ?? '');
  return {
    statementId: null,
    account: null,
    bankReference: cell('bankReference') || null,
    batchIndex: null,
    bookingDate: at(where, () => csvDate(cell('date') ?? '', map.dateOrder)),
    valueDate: at(where, () => csvDate(cell('valueDate') ?? '', map.dateOrder)),
    amountMinor: signed < 0n ? -signed : signed,
    currency,
    direction,
    status: 'booked',
    reversal: false,
    references: extractReferences({ structured: [cell('reference')], text, patterns }),
    counterparty: normalise(cell('counterparty') ?? '') || null,
    counterpartyAccount: accountOf(cell('counterpartyAccount')),
    text,
  };
}

/** A bank's CSV export, read through the caller's column map; the header row names the columns. */
export function parseCsv(text: string, map: CsvColumnMap | undefined, patterns: RegExp[]): FormatResult {
  if (map === undefined) throw new StatementParseError('CSV needs a column map (options.csv)', 'options.csv');
  const records = readCsv(text, map.delimiter ?? ',').filter((r) => r.fields.some((f) => f.trim() !== ''));
  const [header, ...rows] = records;
  if (header === undefined) throw new StatementParseError('no header row', 'line 1');
  const columns = columnIndexes(header, map);
  return {
    format: 'csv',
    accounts: [],
    statementIds: [],
    lines: rows.map((r) => row(r, map, columns, patterns)),
    balances: [],
  };
}
