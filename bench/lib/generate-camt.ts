import { formatDecimal } from '../../src/domain/money.js';

export interface GeneratedLine {
  amountMinor: bigint;
  currency: string;
  reference: string;
  bankReference: string;
  bookingDate: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function xml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** Even lines carry the reference structured, odd ones inside free text, as real payers do both. */
function remittance(reference: string, index: number): string {
  if (index % 2 === 0) {
    return `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${xml(reference)}</Ref></CdtrRefInf></Strd></RmtInf>`;
  }
  return `<RmtInf><Ustrd>Payment for internet ref ${xml(reference)} thank you</Ustrd></RmtInf>`;
}

function entry(line: GeneratedLine, index: number): string {
  const amount = formatDecimal({ minor: line.amountMinor, currency: line.currency });
  return (
    `<Ntry><Amt Ccy="${line.currency}">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>` +
    `<BookgDt><Dt>${line.bookingDate}</Dt></BookgDt><ValDt><Dt>${line.bookingDate}</Dt></ValDt>` +
    `<AcctSvcrRef>${xml(line.bankReference)}</AcctSvcrRef>` +
    '<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>' +
    `<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>` +
    `<RltdPties><Dbtr><Nm>Customer ${index + 1}</Nm></Dbtr></RltdPties>${remittance(line.reference, index)}</TxDtls></NtryDtls></Ntry>\n`
  );
}

function balance(code: string, minor: bigint, currency: string, date: string): string {
  const amount = formatDecimal({ minor: minor < 0n ? -minor : minor, currency });
  return (
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${amount}</Amt>` +
    `<CdtDbtInd>${minor < 0n ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>\n`
  );
}

/**
 * A camt.053.001.02 statement with one booked credit entry per line, for benchmarks and round-trip
 * tests. Built as one string from parts (no DOM), so 50,000 lines take well under a second.
 * The account currency is the first line's; its closing balance sums the lines in that currency.
 */
export function generateCamt053(lines: GeneratedLine[]): string {
  const currency = lines[0]?.currency ?? 'EUR';
  const dates = lines.map((l) => l.bookingDate).sort();
  const from = dates[0] ?? '2024-01-01';
  const to = dates[dates.length - 1] ?? from;
  const closing = lines.reduce((sum, l) => (l.currency === currency ? sum + l.amountMinor : sum), 0n);
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n',
    `<BkToCstmrStmt><GrpHdr><MsgId>BENCH-${lines.length}</MsgId><CreDtTm>${to}T23:59:59Z</CreDtTm></GrpHdr>\n`,
    `<Stmt><Id>BENCH-STMT-${lines.length}</Id><CreDtTm>${to}T23:59:59Z</CreDtTm>`,
    `<FrToDt><FrDtTm>${from}T00:00:00Z</FrDtTm><ToDtTm>${to}T23:59:59Z</ToDtTm></FrToDt>`,
    `<Acct><Id><IBAN>CZ6508000000192000145399</IBAN></Id><Ccy>${currency}</Ccy></Acct>\n`,
    balance('OPBD', 0n, currency, from),
    balance('CLBD', closing, currency, to),
  ];
  lines.forEach((line, index) => parts.push(entry(line, index)));
  parts.push('</Stmt></BkToCstmrStmt></Document>\n');
  return parts.join('');
}
