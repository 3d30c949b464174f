/**
 * The shape every statement format is parsed into. One ParsedLine is one movement of money that a
 * matcher can settle a payment with; batches are expanded so a line never stands for several payers.
 */
import type { StatementEncoding } from './decode.js';

export type StatementFormat = 'camt.053' | 'camt.054' | 'mt940' | 'mt942' | 'csv';

export interface ParsedLine {
  /** 0-based position in the file (after batch expansion). */
  index: number;
  /** The statement the line came from (camt Stmt/Id or Ntfctn/Id, MT940 ":20: :25: :28C:"); null for CSV. */
  statementId: string | null;
  /** The account the statement is about (camt Acct/Id, MT940 :25:); null for CSV. */
  account: string | null;
  /** The bank's own id of the entry/transaction, for de-duplication; null if none. */
  bankReference: string | null;
  /**
   * Position inside a camt batch entry (one of several NtryDtls/TxDtls), null when the line is a
   * whole entry. Batch items often share the entry's AcctSvcrRef, so (bankReference, batchIndex)
   * is the de-duplication key.
   */
  batchIndex: number | null;
  /** YYYY-MM-DD */
  bookingDate: string | null;
  /** YYYY-MM-DD */
  valueDate: string | null;
  /** Always positive; the sign is `direction`. */
  amountMinor: bigint;
  /** ISO 4217 */
  currency: string;
  direction: 'credit' | 'debit';
  status: 'booked' | 'pending' | 'other';
  reversal: boolean;
  /** Candidate references for matching, priority order, de-duplicated, never 'NOTPROVIDED' or all zeros. */
  references: string[];
  /** Debtor name for credits (creditor for debits) when present. */
  counterparty: string | null;
  /** That party's account (an IBAN, or the bank's own account number) when the statement gives it: where a refund by hand goes. */
  counterpartyAccount: string | null;
  /** Free text: remittance information, additional entry/transaction info, MT940 :86: purpose. */
  text: string;
}

/** A balance as the bank states it: camt Bal (code OPBD, CLBD, …) or MT940 :60F:/:62F:/:64: (code = tag). */
export interface ParsedBalance {
  code: string;
  /** Signed: a debit balance is negative. */
  amountMinor: bigint;
  currency: string;
  date: string | null;
  account: string | null;
  statementId: string | null;
}

export interface ParsedStatement {
  format: StatementFormat;
  accounts: string[];
  statementIds: string[];
  lines: ParsedLine[];
  balances: ParsedBalance[];
}

/** Names of CSV header columns, and how the values in them are written. */
export interface CsvColumnMap {
  amount: string;
  currency?: string;
  defaultCurrency?: string;
  date?: string;
  valueDate?: string;
  reference?: string;
  text?: string;
  counterparty?: string;
  counterpartyAccount?: string;
  bankReference?: string;
  /** Column whose value says credit/debit (C/D, CRDT/DBIT, credit/debit); otherwise the amount's sign decides. */
  direction?: string;
  delimiter?: ',' | ';' | '\t';
  decimalSeparator?: '.' | ',';
  /** Thousands grouping in amounts ("1.234,56"); none unless given, so a misplaced separator is an error. */
  groupSeparator?: '.' | ',' | ' ' | "'";
  /** Day/month order for slashed dates; ISO (2024-03-01) and dotted (01.03.2024) dates are always read. */
  dateOrder?: 'DMY' | 'MDY';
  /** The file's code page when known; otherwise UTF-8, or the best of windows-1252/1250 and CP852. */
  encoding?: StatementEncoding;
}

export interface ParseOptions {
  /** Otherwise detected. */
  format?: StatementFormat;
  /** Required for csv. */
  csv?: CsvColumnMap;
  /** Extra reference patterns over the free text; capture group 1 (or the whole match) is the reference. */
  patterns?: RegExp[];
  /** The file's code page when known (wins over csv.encoding); otherwise detected, see decode.ts. */
  encoding?: StatementEncoding;
}

/** What a format parser hands back before lines are numbered. */
export type UnnumberedLine = Omit<ParsedLine, 'index'>;

export interface FormatResult extends StatementTail {
  format: StatementFormat;
  lines: UnnumberedLine[];
}

/** What a statement says beside its lines, known once the last line is read. */
export type StatementTail = Pick<ParsedStatement, 'accounts' | 'statementIds' | 'balances'>;

/** A format parser's lines one at a time: the format is known before the first. */
export interface FormatStream {
  format: StatementFormat;
  lines: Generator<UnnumberedLine, StatementTail>;
}

/**
 * A statement read line by line (streamStatement): the whole file has been checked as far as its
 * format allows before the first line, and iterating `lines` throws StatementParseError at the
 * first malformed entry, so a caller that stores lines as they come must undo them on a throw.
 */
export interface StatementStream {
  format: StatementFormat;
  /** The lines in file order, numbered; returns the rest of the statement after the last. */
  lines: Generator<ParsedLine, StatementTail>;
}
