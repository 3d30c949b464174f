import { parseAmountMinor } from './amount.js';
import { clampedDate, entryYear, swiftYear } from './dates.js';
import { StatementParseError, at } from './errors.js';
import { parseDetails } from './mt940-details.js';
import { splitMessages, type Field } from './mt940-fields.js';
import { extractReferences } from './references.js';
import type { FormatResult, ParsedBalance, UnnumberedLine } from './types.js';

// D/C mark, date YYMMDD, currency, amount with a decimal comma: ":60F:C100318EUR380115,12".
const BALANCE = /^([DC])([0-9]{2})([0-9]{2})([0-9]{2})([A-Z]{3})([0-9][0-9,]*)$/;
// :61: value date, [entry MMDD], mark D/C/RD/RC, [funds code], amount, type (N/F/S + 3; any letter
// is accepted, some banks use others), customer ref [//bank ref], [newline supplementary details].
// Some banks break the line before the amount.
const STATEMENT_LINE =
  /^([0-9]{2})([0-9]{2})([0-9]{2})(?:([0-9]{2})([0-9]{2}))?(R?[DC])([A-Z])?[ \n]?([0-9][0-9,]*)([A-Z][A-Z0-9]{3})([^\n]*?)(?:\/\/([^\n]*))?(?:\n([\s\S]*))?$/;
// A :61: is two lines of at most ~100 characters; a longer one is not a :61: (and would make the
// lazy customer-reference match above slow).
const MAX_STATEMENT_LINE = 300;
// Customer-reference placeholders: none, Rabobank's "see EREF in :86:", a bare SEPA keyword ("KREF+").
const NO_CUSTOMER_REFERENCE = /^(?:|NONREF|EREF|[A-Z]{4}\+)$/i;

interface Statement {
  currency: string | undefined;
  account: string | null;
  id: string | null;
}

function balance(field: Field, statement: Statement): ParsedBalance {
  const where = `line ${field.line}`;
  const m = BALANCE.exec((field.lines[0] ?? '').trim());
  if (!m) throw new StatementParseError(`:${field.tag}: is not a balance (mark, YYMMDD, currency, amount)`, where);
  const [, mark, yy = '', mm = '', dd = '', currency = '', amount = ''] = m;
  const minor = at(where, () => parseAmountMinor(amount, currency, { decimalSeparator: ',' }));
  return {
    code: field.tag,
    amountMinor: mark === 'D' ? -minor : minor,
    currency,
    date: at(where, () => clampedDate(swiftYear(Number(yy)), Number(mm), Number(dd), yy + mm + dd)),
    account: statement.account,
    statementId: statement.id,
  };
}

function statementLine(field: Field, details: Field | undefined, statement: Statement, patterns: RegExp[]): UnnumberedLine {
  const where = `line ${field.line}`;
  const content = field.lines.join('\n').trim();
  const m = content.length <= MAX_STATEMENT_LINE ? STATEMENT_LINE.exec(content) : null;
  if (!m) throw new StatementParseError(':61: is not a statement line (YYMMDD[MMDD], D/C/RD/RC, amount, type, reference)', where);
  const [, yy = '', mm = '', dd = '', entryMm, entryDd, mark = '', , amount = '', , customerRef = '', bankRef] = m;
  if (statement.currency === undefined) {
    throw new StatementParseError(':61: before any opening balance (:60F:/:60M:), so its currency is unknown', where);
  }
  const currency = statement.currency;
  // A value date of 30 February is clamped to the month's end (the oracle's reading); a month 13 is an error.
  const year = swiftYear(Number(yy));
  const valueDate = at(where, () => clampedDate(year, Number(mm), Number(dd), yy + mm + dd));
  const bookingDate =
    entryMm !== undefined && entryDd !== undefined
      ? at(where, () => clampedDate(entryYear(year, Number(mm), Number(entryMm)), Number(entryMm), Number(entryDd), entryMm + entryDd))
      : valueDate;
  const info = details ? parseDetails(details.lines) : { text: '', structured: [], secondary: [], counterparty: null };
  const customer = customerRef.trim();
  const bank = bankRef?.trim() || null;
  const ownReference = NO_CUSTOMER_REFERENCE.test(customer) ? null : customer;
  return {
    statementId: statement.id,
    // Only the bank's own id de-duplicates: a payer's reference repeats across real, different transfers.
    bankReference: bank !== null && !NO_CUSTOMER_REFERENCE.test(bank) && !/^0+$/.test(bank) ? bank : null,
    batchIndex: null,
    bookingDate,
    valueDate,
    amountMinor: at(where, () => parseAmountMinor(amount, currency, { decimalSeparator: ',' })),
    currency,
    // RC (reversal of a credit) takes money off the account; RD puts it back.
    direction: mark === 'C' || mark === 'RD' ? 'credit' : 'debit',
    status: 'booked',
    reversal: mark.startsWith('R'),
    references: extractReferences({
      structured: info.structured,
      text: info.text,
      patterns,
      secondary: [...info.secondary, ownReference],
    }),
    counterparty: info.counterparty,
    text: info.text,
  };
}

/** SWIFT MT940 customer statements; every message in the file, in order. */
export function parseMt940(text: string, patterns: RegExp[]): FormatResult {
  const messages = splitMessages(text);
  if (messages.length === 0) throw new StatementParseError('no MT940 fields (":20:", ":61:" …) found', 'line 1');
  const accounts: string[] = [];
  const statementIds: string[] = [];
  const lines: UnnumberedLine[] = [];
  const balances: ParsedBalance[] = [];
  for (const message of messages) {
    // :20: alone is not unique (ABN AMRO writes its own name there); with :28C: it is.
    const id = message.filter((f) => f.tag === '20' || f.tag === '28C' || f.tag === '28').map((f) => (f.lines[0] ?? '').trim());
    const statement: Statement = { currency: undefined, account: null, id: id.length > 0 ? id.join(' ') : null };
    if (statement.id !== null && !statementIds.includes(statement.id)) statementIds.push(statement.id);
    message.forEach((field, i) => {
      const content = (field.lines[0] ?? '').trim();
      switch (field.tag) {
        case '25':
          statement.account = content;
          if (content !== '' && !accounts.includes(content)) accounts.push(content);
          break;
        case '60F':
        case '60M':
        case '60':
          balances.push(balance(field, statement));
          statement.currency = balances[balances.length - 1]?.currency;
          break;
        case '62F':
        case '62M':
        case '62':
        case '64':
        case '65':
          balances.push(balance(field, statement));
          break;
        case '61': {
          // The :86: that belongs to a :61: follows it directly; an :86: elsewhere is about the statement.
          const next = message[i + 1];
          lines.push(statementLine(field, next?.tag === '86' ? next : undefined, statement, patterns));
          break;
        }
        default:
          break;
      }
    });
  }
  return { format: 'mt940', accounts, statementIds, lines, balances };
}
