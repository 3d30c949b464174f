import { clampedDate, entryYear, swiftYear } from './dates.js';
import { StatementParseError, at } from './errors.js';
import { isIban } from './iban.js';
import { parseDetails } from './mt940-details.js';
import { splitMessages, type Field, type Message } from './mt940-fields.js';
import { mt940Amount, readStatementLine } from './mt940-line.js';
import { extractReferences } from './references.js';
import type { FormatResult, ParsedBalance, UnnumberedLine } from './types.js';

// Fields 60a/62a/64/65: D/C mark, date YYMMDD, currency, amount ":60F:C100318EUR380115,12".
const BALANCE = /^([DC])([0-9]{2})([0-9]{2})([0-9]{2})([A-Z]{3})([0-9]+(?:[,.][0-9]*)?)$/;
// Field 34F (MT942 floor limit): currency, optional D/C mark, amount ":34F:EURD0,00".
const FLOOR_LIMIT = /^([A-Z]{3})[DC]?[0-9]/;
// Customer-reference placeholders: none, "see EREF/PREF in :86:" (Rabobank), a bare SEPA keyword ("KREF+").
const NO_CUSTOMER_REFERENCE = /^(?:|NONREF|EREF|PREF|[A-Z]{4}\+)$/i;

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
  const minor = mt940Amount(amount, currency, where);
  return {
    code: field.tag,
    amountMinor: mark === 'D' ? -minor : minor,
    currency,
    date: at(where, () => clampedDate(swiftYear(Number(yy)), Number(mm), Number(dd), yy + mm + dd)),
    account: statement.account,
    statementId: statement.id,
  };
}

function statementLine(field: Field, details: Field[], statement: Statement, patterns: RegExp[]): UnnumberedLine {
  const where = `line ${field.line}`;
  const f = readStatementLine(field);
  if (statement.currency === undefined) {
    throw new StatementParseError(':61: before any opening balance (:60F:/:60M:) or floor limit (:34F:), so its currency is unknown', where);
  }
  const currency = statement.currency;
  // A value date of 30 February is clamped to the month's end (the oracle's reading); a month 13 is an error.
  const year = swiftYear(Number(f.yy));
  const valueDate = at(where, () => clampedDate(year, Number(f.mm), Number(f.dd), f.yy + f.mm + f.dd));
  const { entry } = f;
  const bookingDate =
    entry === undefined
      ? valueDate
      : at(where, () => clampedDate(entryYear(year, Number(f.mm), Number(entry.mm)), Number(entry.mm), Number(entry.dd), entry.mm + entry.dd));
  const info = parseDetails(details.map((d) => d.lines));
  const customer = f.customerReference;
  // The owner's reference may be the payer's account (ASN Bank writes the IBAN there): no reference.
  const ownReference = NO_CUSTOMER_REFERENCE.test(customer) || isIban(customer) ? null : customer;
  const bank = f.bankReference;
  return {
    statementId: statement.id,
    account: statement.account,
    // Only the bank's own id de-duplicates: a payer's reference repeats across real, different transfers.
    bankReference: bank !== null && !NO_CUSTOMER_REFERENCE.test(bank) && !/^0+$/.test(bank) ? bank : null,
    batchIndex: null,
    bookingDate,
    valueDate,
    amountMinor: mt940Amount(f.amount, currency, where),
    currency,
    // RC (reversal of a credit) takes money off the account; RD puts it back.
    direction: f.mark === 'C' || f.mark === 'RD' ? 'credit' : 'debit',
    status: 'booked',
    reversal: f.mark.startsWith('R'),
    references: extractReferences({
      structured: info.structured,
      text: info.text,
      patterns,
      secondary: [...info.secondary, ownReference],
    }),
    counterparty: info.counterparty,
    counterpartyAccount: info.counterpartyAccount,
    text: info.text,
  };
}

/** The :86: fields that follow a :61: directly; an :86: elsewhere is about the statement. */
function detailsAfter(message: Message, i: number): Field[] {
  const found: Field[] = [];
  for (let j = i + 1; message[j]?.tag === '86'; j++) found.push(message[j] as Field);
  return found;
}

/**
 * MT942 (interim transaction report) has the MT940 fields for entries but no opening balance: its
 * mandatory field 34F (floor limit) carries the currency, 13D the time of the report.
 */
function isInterimReport(message: Message): boolean {
  return message.some((f) => f.tag === '34F') && !message.some((f) => f.tag.startsWith('60'));
}

/** SWIFT MT940 customer statements and MT942 interim reports; every message in the file, in order. */
export function parseMt940(text: string, patterns: RegExp[]): FormatResult {
  const messages = splitMessages(text);
  if (messages.length === 0) throw new StatementParseError('no MT940 fields (":20:", ":61:" …) found', 'line 1');
  // Sets, in first-seen order: a file of a million one-line messages must not compare each id with all the others.
  const accounts = new Set<string>();
  const statementIds = new Set<string>();
  const lines: UnnumberedLine[] = [];
  const balances: ParsedBalance[] = [];
  for (const message of messages) {
    // :20: alone is not unique (ABN AMRO writes its own name there), nor is it with :28C: when one
    // file holds several accounts (mBank: ":20:ST071023CYC/1 :28C:11/1" for each); with :25: it is.
    const id = message.filter((f) => ['20', '25', '28C', '28'].includes(f.tag)).map((f) => (f.lines[0] ?? '').trim()).filter((v) => v !== '');
    const statement: Statement = { currency: undefined, account: null, id: id.length > 0 ? id.join(' ') : null };
    if (statement.id !== null) statementIds.add(statement.id);
    message.forEach((field, i) => {
      const content = (field.lines[0] ?? '').trim();
      switch (field.tag) {
        case '25':
          statement.account = content;
          if (content !== '') accounts.add(content);
          break;
        case '34F':
          statement.currency ??= FLOOR_LIMIT.exec(content)?.[1];
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
        case '61':
          lines.push(statementLine(field, detailsAfter(message, i), statement, patterns));
          break;
        default:
          break;
      }
    });
  }
  return { format: messages.every(isInterimReport) ? 'mt942' : 'mt940', accounts: [...accounts], statementIds: [...statementIds], lines, balances };
}
