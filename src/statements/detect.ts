import type { StatementFormat } from './types.js';

const CAMT_NAMESPACE = /urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.\d{2}/;
const STATEMENT_ROOT = /<(?:[\w.-]+:)?BkToCstmrStmt[\s>]/;
const NOTIFICATION_ROOT = /<(?:[\w.-]+:)?BkToCstmrDbtCdtNtfctn[\s>]/;

/**
 * camt by its message element (or, failing that, its namespace) near the top of an XML document;
 * MT940 (and MT942, which the parser tells apart) by a :20: field together with a :61:,
 * opening-balance or floor-limit field at the start of lines.
 * CSV has no signature worth trusting, so it is never guessed.
 */
export function detectFormat(text: string): StatementFormat | undefined {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) {
    const head = start.slice(0, 8192);
    if (STATEMENT_ROOT.test(head)) return 'camt.053';
    if (NOTIFICATION_ROOT.test(head)) return 'camt.054';
    const ns = CAMT_NAMESPACE.exec(head);
    return ns ? (`camt.${ns[1]}` as StatementFormat) : undefined;
  }
  const hasReference = /(?:^|\{4:)[ \t]*:20:/m.test(text);
  // MT942 has no opening balance; its floor limit (:34F:) stands in for it.
  const hasEntries = /^[ \t]*:(?:61|60F|60M|34F):/m.test(text);
  return hasReference && hasEntries ? 'mt940' : undefined;
}
