/** Bank statement parsing: camt.053/054, MT940 and mapped CSV into lines for payment matching. */
export type {
  CsvColumnMap,
  ParseOptions,
  ParsedBalance,
  ParsedLine,
  ParsedStatement,
  StatementFormat,
  StatementStream,
  StatementTail,
} from './types.js';
export { StatementParseError } from './errors.js';
export { detectFormat } from './detect.js';
export { decode, STATEMENT_ENCODINGS, type StatementEncoding } from './decode.js';
export { parseStatement, streamStatement } from './parse.js';
export { parseAmountMinor, type AmountOptions } from './amount.js';
export { extractReferences, isCreditorReference, type ReferenceInput } from './references.js';
