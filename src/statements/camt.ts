import { camtDate, camtMoney, entryLines } from './camt-entry.js';
import { assertNoDoctype, assertWellFormed, child, children, firstText, parseTree, path, text, type XmlNode } from './camt-node.js';
import { splitEntries } from './camt-split.js';
import { StatementParseError } from './errors.js';
import type { FormatStream, ParsedBalance, StatementFormat, StatementTail, UnnumberedLine } from './types.js';

/** The message element under Document for each format, and the element that repeats inside it. */
const MESSAGES = {
  'camt.053': { body: 'BkToCstmrStmt', record: 'Stmt' },
  'camt.054': { body: 'BkToCstmrDbtCdtNtfctn', record: 'Ntfctn' },
} as const;

type CamtFormat = keyof typeof MESSAGES;

function balances(record: XmlNode, where: string, account: string | null, statementId: string | null): ParsedBalance[] {
  return children(record, 'Bal').map((bal, i) => {
    const at = `${where}/Bal[${i + 1}]`;
    const { amountMinor, currency } = camtMoney(child(bal, 'Amt'), `${at}/Amt`);
    const sign = text(child(bal, 'CdtDbtInd'));
    return {
      code: firstText(bal, ['Tp', 'CdOrPrtry', 'Cd'], ['Tp', 'CdOrPrtry', 'Prtry']) ?? 'UNKNOWN',
      amountMinor: sign === 'DBIT' ? -amountMinor : amountMinor,
      currency,
      date: camtDate(child(bal, 'Dt'), `${at}/Dt`),
      account,
      statementId,
    };
  });
}

/**
 * camt.053 (statement) and camt.054 (debit/credit notification), any version: the elements read
 * here have kept their names since 001.02, except Sts and the related parties, which
 * camt-entry.ts reads both ways. Every entry of every statement in the file becomes lines.
 *
 * The whole file is checked (well-formed, no DOCTYPE) and its skeleton read before this returns;
 * the entries are then parsed one at a time as `lines` is iterated (camt-split.ts), so memory
 * follows the largest entry rather than the file, and a caller can store the first lines while
 * the last are still being read. Documents the splitter cannot cut exactly are parsed whole.
 */
export function readCamt(textIn: string, expected: CamtFormat | undefined, patterns: RegExp[]): FormatStream {
  assertNoDoctype(textIn);
  assertWellFormed(textIn);
  const split = splitEntries(textIn);
  const root = parseTree(split?.skeleton ?? textIn);
  const document = root.Document as XmlNode | undefined;
  if (document === undefined || typeof document === 'string') {
    throw new StatementParseError('not an ISO 20022 document (no Document element)', 'Document');
  }
  const format = (Object.keys(MESSAGES) as CamtFormat[]).find((f) => child(document, MESSAGES[f].body) !== undefined);
  if (format === undefined) {
    throw new StatementParseError('Document holds neither BkToCstmrStmt (camt.053) nor BkToCstmrDbtCdtNtfctn (camt.054)', 'Document');
  }
  const { body, record: recordName } = MESSAGES[format];
  if (expected !== undefined && expected !== format) {
    throw new StatementParseError(`expected ${expected} but the document is ${format}`, `Document/${body}`);
  }
  const records = children(child(document, body), recordName);
  if (records.length === 0) {
    throw new StatementParseError(`${body} holds no ${recordName}`, `Document/${body}/${recordName}`);
  }
  function* lines(): Generator<UnnumberedLine, StatementTail> {
    const accounts = new Set<string>();
    const statementIds = new Set<string>();
    const allBalances: ParsedBalance[] = [];
    for (const [i, record] of records.entries()) {
      const where = `Document/${body}/${recordName}[${i + 1}]`;
      const account = firstText(path(record, 'Acct', 'Id'), ['IBAN'], ['Othr', 'Id']) ?? null;
      if (account !== null) accounts.add(account);
      const statementId = text(child(record, 'Id')) ?? null;
      if (statementId !== null) statementIds.add(statementId);
      allBalances.push(...balances(record, where, account, statementId));
      const entries = split === undefined ? children(record, 'Ntry') : split.entries(body, recordName, i);
      let j = 0;
      for (const ntry of entries) {
        j++;
        yield* entryLines(ntry, `${where}/Ntry[${j}]`, patterns, { statementId, account });
      }
    }
    return { accounts: [...accounts], statementIds: [...statementIds], balances: allBalances };
  }
  return { format: format satisfies StatementFormat, lines: lines() };
}
