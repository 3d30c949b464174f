import { parseAmountMinor } from './amount.js';
import { attribute, child, children, firstText, path, text, type XmlNode } from './camt-node.js';
import { isoDate } from './dates.js';
import { StatementParseError, at } from './errors.js';
import { accountOf } from './iban.js';
import { extractReferences, normalise } from './references.js';
import type { ParsedLine, UnnumberedLine } from './types.js';

/** camt amounts are unsigned decimals with the currency as an attribute: <Amt Ccy="EUR">8.85</Amt>. */
export function camtMoney(amt: XmlNode | undefined, where: string): { amountMinor: bigint; currency: string } {
  const value = text(amt);
  if (value === undefined) throw new StatementParseError('amount is missing', where);
  const currency = attribute(amt, 'Ccy');
  if (currency === undefined) throw new StatementParseError('amount has no Ccy attribute', `${where}/@Ccy`);
  const amountMinor = at(where, () => parseAmountMinor(value, currency));
  if (amountMinor < 0n) throw new StatementParseError('amounts are unsigned; CdtDbtInd gives the direction', where);
  return { amountMinor, currency };
}

export function camtDate(node: XmlNode | undefined, where: string): string | null {
  const raw = firstText(node, ['Dt'], ['DtTm']);
  return raw === undefined ? null : at(where, () => isoDate(raw));
}

const STATUS: Readonly<Record<string, ParsedLine['status']>> = { BOOK: 'booked', PDNG: 'pending' };

interface Details {
  node: XmlNode;
  where: string;
}

/** What one TxDtls says about the payment behind it. */
function describe(tx: XmlNode, direction: ParsedLine['direction']) {
  const remittance = child(tx, 'RmtInf');
  const structuredBlocks = children(remittance, 'Strd');
  const party = path(tx, 'RltdPties', direction === 'credit' ? 'Dbtr' : 'Cdtr');
  const unstructured = children(remittance, 'Ustrd').map(text);
  return {
    structured: structuredBlocks.map((s) => text(path(s, 'CdtrRefInf', 'Ref'))),
    endToEndId: text(path(tx, 'Refs', 'EndToEndId')),
    texts: [
      ...unstructured,
      ...structuredBlocks.flatMap((s) => children(s, 'AddtlRmtInf').map(text)),
      text(child(tx, 'AddtlTxInf')),
    ],
    // v2/v4 put the name on the party, v8 one level down in Pty.
    counterparty: normalise(firstText(party, ['Nm'], ['Pty', 'Nm']) ?? '') || null,
    // The party's account beside it: DbtrAcct/CdtrAcct, an IBAN or another scheme's id.
    counterpartyAccount: accountOf(firstText(path(tx, 'RltdPties', direction === 'credit' ? 'DbtrAcct' : 'CdtrAcct'), ['Id', 'IBAN'], ['Id', 'Othr', 'Id'])),
    bankReference: text(path(tx, 'Refs', 'AcctSvcrRef')) ?? null,
    // Ustrd is 140 characters a piece and banks cut longer text wherever the piece is full, even
    // inside a reference ("… 64702" + "54683 …"); the pieces run together are searched as well.
    joinedPieces: unstructured.length > 1 ? unstructured.map((u) => (u ?? '').trim()).join('') : '',
  };
}

/** The text references are looked for in: the line's text, then its Ustrd pieces run together. */
function searchText(lineText: string, infos: Array<{ joinedPieces: string }>): string {
  return [lineText, ...infos.map((i) => i.joinedPieces)].filter((t) => t !== '').join(' ');
}

function joinText(parts: Array<string | undefined>): string {
  return parts.map((p) => normalise(p ?? '')).filter((p) => p !== '').join(' ');
}

/**
 * One entry becomes one line, or one line per transaction when it is a batch whose transactions
 * carry their own amounts. With a single TxDtls the entry's amount wins: it is what was booked
 * on the account, while TxDtls/Amt may be in another currency (genkgo v4/v8 fixtures: 8.85 EUR
 * entry, 0 SEK transaction). The direction is always the entry's, as in the genkgo oracle: a
 * TxDtls saying CRDT inside a DBIT entry did not put money on the account.
 */
export function entryLines(ntry: XmlNode, where: string, patterns: RegExp[], owner: Pick<UnnumberedLine, 'statementId' | 'account'>): UnnumberedLine[] {
  const entryMoney = camtMoney(child(ntry, 'Amt'), `${where}/Amt`);
  const indicator = text(child(ntry, 'CdtDbtInd'));
  if (indicator !== 'CRDT' && indicator !== 'DBIT') {
    throw new StatementParseError(`CdtDbtInd must be CRDT or DBIT, not ${indicator ?? 'missing'}`, `${where}/CdtDbtInd`);
  }
  const direction = indicator === 'CRDT' ? 'credit' : 'debit';
  const sts = child(ntry, 'Sts');
  const statusCode = (text(sts) ?? firstText(sts, ['Cd'], ['Prtry']) ?? '').toUpperCase();
  const reversal = text(child(ntry, 'RvslInd'));
  const bookingDate = camtDate(child(ntry, 'BookgDt'), `${where}/BookgDt`);
  const valueDate = camtDate(child(ntry, 'ValDt'), `${where}/ValDt`);
  const status = STATUS[statusCode] ?? 'other';
  const reversed = reversal === 'true' || reversal === '1';
  // The servicer's reference only: NtryRef is often just the entry's position within one statement.
  const entryReference = text(child(ntry, 'AcctSvcrRef')) ?? null;
  const entryText = text(child(ntry, 'AddtlNtryInf'));
  const details: Details[] = children(ntry, 'NtryDtls').flatMap((d, i) =>
    children(d, 'TxDtls').map((node, j) => ({ node, where: `${where}/NtryDtls[${i + 1}]/TxDtls[${j + 1}]` })),
  );
  const amountOf = (tx: XmlNode) => child(tx, 'Amt') ?? path(tx, 'AmtDtls', 'TxAmt', 'Amt');

  // Each line is one object literal with every field written out, not spread together from parts:
  // V8 gives a literal its shape at once, while adding fields after a spread rebuilt the object
  // field by field (in a profile of a 50,000-entry file the spreads were entryLines' costliest lines).
  if (details.length > 1 && details.every((d) => amountOf(d.node) !== undefined)) {
    return details.map((d, batchIndex) => {
      const info = describe(d.node, direction);
      const amt = child(d.node, 'Amt');
      const money = camtMoney(amountOf(d.node), amt ? `${d.where}/Amt` : `${d.where}/AmtDtls/TxAmt/Amt`);
      const lineText = joinText([...info.texts, entryText]);
      return {
        statementId: owner.statementId,
        account: owner.account,
        bankReference: info.bankReference ?? entryReference,
        batchIndex,
        bookingDate,
        valueDate,
        amountMinor: money.amountMinor,
        currency: money.currency,
        direction,
        status,
        reversal: reversed,
        references: extractReferences({ structured: info.structured, endToEndId: info.endToEndId, text: searchText(lineText, [info]), patterns }),
        counterparty: info.counterparty,
        counterpartyAccount: info.counterpartyAccount,
        text: lineText,
      };
    });
  }

  // A whole entry: no details, one transaction, or a batch whose transactions have no amounts of
  // their own (genkgo camt.054 v2), which cannot be split without inventing amounts.
  const infos = details.map((d) => describe(d.node, direction));
  const endToEndIds = infos.map((i) => i.endToEndId);
  const lineText = joinText([...infos.flatMap((i) => i.texts), entryText]);
  return [
    {
      statementId: owner.statementId,
      account: owner.account,
      bankReference: entryReference ?? infos[0]?.bankReference ?? null,
      batchIndex: null,
      bookingDate,
      valueDate,
      amountMinor: entryMoney.amountMinor,
      currency: entryMoney.currency,
      direction,
      status,
      reversal: reversed,
      references: extractReferences({
        structured: infos.flatMap((i) => i.structured),
        endToEndId: endToEndIds[0],
        secondary: endToEndIds.slice(1),
        text: searchText(lineText, infos),
        patterns,
      }),
      counterparty: infos.find((i) => i.counterparty !== null)?.counterparty ?? null,
      counterpartyAccount: infos.find((i) => i.counterpartyAccount !== null)?.counterpartyAccount ?? null,
      text: lineText,
    },
  ];
}
