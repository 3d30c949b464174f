/** What `bank-statement:<sha256>` is started with and returns (src/workflows/statement-import.ts); it takes no signals, updates or queries. */
export interface StatementImportInput {
  statementId: string;
}

export interface StatementImportResult {
  statementId: string;
  decided: number;
  matched: number;
}
