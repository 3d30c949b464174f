/**
 * The OSMP answer document. Spec: QIWI (ОСМП), «Протокол взаимодействия с провайдерами» (the
 * online check/pay protocol for providers), section "Формат ответа": an XML document in UTF-8
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <response>
 *     <osmp_txn_id>1234567</osmp_txn_id>
 *     <prv_txn>2016</prv_txn>          (pay only)
 *     <sum>10.45</sum>                 (pay only)
 *     <result>0</result>
 *     <comment>OK</comment>
 *   </response>
 *
 * Every value is escaped here, whatever it came from (an echoed txn_id may be anything a
 * stranger sent).
 *
 * A check's answer may carry extra fields for the terminal to show the payer, after <result>:
 *
 *     <fields>
 *       <field1 name="fio">Те** Us**</field1>
 *       <field2 name="balance">-5.00</field2>
 *     </fields>
 *
 * This is not in the published QIWI provider protocol pages we could find; it is the extension
 * OSMP providers widely answer with (numbered <fieldN name="…"> elements inside <fields>, as
 * ABillS-style Paysys modules answer FIO and balance), which a network that does not know it ignores.
 */
export interface OsmpAnswer {
  osmpTxnId: string;
  prvTxn?: string | undefined;
  sum?: string | undefined;
  result: number;
  comment: string;
  /** check only: what the terminal may show the payer (the extension above), in order. */
  fields?: ReadonlyArray<{ name: string; value: string }> | undefined;
}

/** XML 1.0 character data: the five specials escaped, characters XML cannot carry at all dropped. */
export function xmlEscape(text: string): string {
  // Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (XML 1.0 §2.2)
  const legal = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
  return legal.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function osmpXml(a: OsmpAnswer): string {
  const parts = [`<osmp_txn_id>${xmlEscape(a.osmpTxnId)}</osmp_txn_id>`];
  if (a.prvTxn !== undefined) parts.push(`<prv_txn>${xmlEscape(a.prvTxn)}</prv_txn>`);
  if (a.sum !== undefined) parts.push(`<sum>${xmlEscape(a.sum)}</sum>`);
  parts.push(`<result>${a.result}</result>`);
  if (a.fields && a.fields.length > 0) {
    const fields = a.fields.map((f, i) => `    <field${i + 1} name="${xmlEscape(f.name)}">${xmlEscape(f.value)}</field${i + 1}>\n`).join('');
    parts.push(`<fields>\n${fields}  </fields>`);
  }
  parts.push(`<comment>${xmlEscape(a.comment)}</comment>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response>\n${parts.map((p) => `  ${p}\n`).join('')}</response>\n`;
}

/** The Content-Type of every OSMP answer. */
export const OSMP_CONTENT_TYPE = 'text/xml; charset=utf-8';
