/**
 * Which code page decode() picks for a statement file that is not UTF-8. Each sample is a line a
 * bank could write, encoded here in one code page; the reading must give the text back. The
 * windows-1250 and ISO 8859-2 bytes come from Node's (WHATWG) decoders run backwards, windows-1252
 * from the WHATWG table below, the CP852 bytes from Python's cp852 codec, so none depends on the
 * tables in decode.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, parseStatement, type CsvColumnMap, type StatementEncoding } from '../../src/statements/index.js';

type Whatwg = 'windows-1252' | 'windows-1250' | 'iso-8859-2';

// windows-1252 0x80–0x9F as the WHATWG index gives them (the five unassigned bytes as C1
// controls). Not from Node: its TextDecoder reads them as Latin-1 since 20.18.3 / 22.13.0
// (nodejs/node#60888), so 0x80 comes out as U+0080 instead of €.
const WINDOWS_1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function encode(text: string, encoding: Whatwg): Buffer {
  const decoder = new TextDecoder(encoding);
  const byChar = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const ch = encoding === 'windows-1252' ? (b >= 0x80 && b < 0xa0 ? WINDOWS_1252_80_9F[b - 0x80] : String.fromCharCode(b)) : decoder.decode(Uint8Array.of(b));
    if (ch !== undefined) byChar.set(ch, b);
  }
  return Buffer.from(
    [...text].map((ch) => {
      const b = byChar.get(ch);
      if (b === undefined) throw new Error(`${JSON.stringify(ch)} is not in ${encoding}`);
      return b;
    }),
  );
}

const FRENCH = 'Facture “No 2026-17” réglée, montant 12,00 € — merci. Crédit reçu à Genève.';
const WESTERN: Array<[string, string]> = [
  ['French', FRENCH],
  ['German', 'Überweisung für „Miete März“ – Straße 5, 12,50 € – Grüße'],
  ['Dutch', 'Betaling café ‘De Kroon’ – € 15,00 voor de ruïne…'],
  ['Spanish', 'Pago cuota nº 3 — Año 2026, señor Muñoz: ¿Qué tal? 12,00 €'],
  ['Spanish, capitals', 'TRANSFERENCIA ESPAÑA — CUOTA Nº 4, 1.200,00 €'],
  ['French, œ', 'Cotisation “Œuvres sociales” — cœur de ville, 8,00 €'],
  ['Italian', 'Pagamento di lunedì, più € 5 — città'],
  ['Portuguese', 'Pagamento às 10h, ações — € 20'],
  ['English, only punctuation outside ASCII', 'Invoice “No 17” – 12,00 € ‘paid’'],
  ['German, no punctuation', 'Zahlung für März'],
];

describe('decode: windows-1252 files stay windows-1252', () => {
  for (const [language, text] of WESTERN) {
    it(`${language}: ${text}`, () => {
      assert.equal(decode(encode(text, 'windows-1252')), text);
    });
  }

  it('the reviewed French line is not read as CP852 ("rÚglÚe", "Ç", "ôNo")', () => {
    const text = decode(encode(FRENCH, 'windows-1252'));
    assert.ok(!text.includes('rÚglÚe'), text);
    assert.equal(text, FRENCH);
  });

  it('a windows-1252 MT940 :86: keeps its €, quotes and dashes', () => {
    const file = [':20:STMT', ':25:NL91ABNA0417164300', ':28C:1/1', ':60F:C240401EUR0,00', ':61:240401C12,00NTRFNONREF', `:86:${FRENCH}`, ':62F:C240401EUR12,00', '-'].join('\r\n');
    assert.equal(parseStatement(encode(file, 'windows-1252')).lines[0]?.text, FRENCH);
  });
});

describe('decode: Polish in its three code pages', () => {
  const POLISH = 'Zapłata za fakturę: żółć, Łódź, ul. Świętokrzyska 5, źródło ŚWIATŁOWODU, ąś';
  const SHORT = 'Proszę o zwrot środków';
  const UPPER = 'OPŁATA ZA PRZELEW, ŹRÓDŁO: ŚWIATŁOWÓD Ą';
  // Only letters that are letters of the same case in windows-1252 too (ś œ, ń ñ, ź Ÿ, ę ê, ó).
  const LOOKALIKE = 'źródło środków: Poznań, proszę';

  for (const text of [POLISH, SHORT, UPPER, LOOKALIKE]) {
    it(`windows-1250: ${text}`, () => assert.equal(decode(encode(text, 'windows-1250')), text));
    it(`ISO 8859-2: ${text}`, () => assert.equal(decode(encode(text, 'iso-8859-2')), text));
  }

  it('windows-1250 with its own punctuation: „Opłata” – 150,00 zł…', () => {
    const text = '„Opłata za internet” – Poznań, 150,00 zł…';
    assert.equal(decode(encode(text, 'windows-1250')), text);
  });

  const CP852: Array<[string, string]> = [
    [POLISH, '5a617088617461207a612066616b747572a93a20bea288862c209da264ab2c20756c2e20977769a9746f6b727a79736b6120352c20ab72a264886f2097574941549d4f574f44552c20a598'],
    [SHORT, '50726f737aa9206f207a77726f742098726f646ba277'],
    [UPPER, '4f509d415441205a412050525a454c45572c208d52e0449d4f3a2097574941549d4f57e04420a4'],
  ];
  for (const [text, hex] of CP852) {
    it(`CP852: ${text}`, () => assert.equal(decode(Buffer.from(hex, 'hex')), text));
  }
});

describe('decode: Czech in windows-1250', () => {
  // š and ú are the same bytes in windows-1252; č, ě (and ř, ů) are è, ì (ø, ù) there, letters too.
  for (const text of ['Platba za služby, účet č. 123, děkujeme', 'Platba za červen', 'Záloha na měsíc září – 1 500 Kč']) {
    it(text, () => assert.equal(decode(encode(text, 'windows-1250')), text));
  }
});

describe('decode: what needs no guessing', () => {
  it('pure ASCII is itself, whatever encoding is named', () => {
    const text = 'Payment 12.00 EUR ref 6470254683; thanks!\r\n';
    const bytes = Buffer.from(text, 'latin1');
    assert.equal(decode(bytes), text);
    for (const encoding of ['utf-8', 'windows-1252', 'windows-1250', 'iso-8859-2', 'cp852'] as const) assert.equal(decode(bytes, encoding), text);
  });

  it('UTF-8 is read as UTF-8', () => {
    assert.equal(decode(Buffer.from(FRENCH, 'utf8')), FRENCH);
  });

  it('windows-1252 0x80–0x9F are €, quotes and dashes, not Latin-1 controls (Node 20.18.3+ TextDecoder gets them wrong)', () => {
    const all = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    assert.equal(decode(all, 'windows-1252'), WINDOWS_1252_80_9F);
    assert.equal(decode(Buffer.from([0x31, 0x32, 0x20, 0x80]), 'windows-1252'), '12 €');
  });

  it('a named code page wins over what the bytes look like', () => {
    const french = encode(FRENCH, 'windows-1252');
    assert.equal(decode(french, 'cp852'), 'Facture ôNo 2026-17ö rÚglÚe, montant 12,00 Ç Ś merci. CrÚdit rešu Ó GenŔve.');
    const polish = encode('Zapłata za żółć', 'windows-1250');
    assert.equal(decode(polish, 'windows-1252'), 'Zap³ata za ¿ó³æ');
    assert.equal(decode(encode('Platba za služby', 'iso-8859-2'), 'iso-8859-2'), 'Platba za služby');
  });

  it('a CSV map’s encoding wins, and the parse option wins over it', () => {
    const csv: CsvColumnMap = { amount: 'Amount', date: 'Date', text: 'Text', defaultCurrency: 'EUR', delimiter: ';', decimalSeparator: ',' };
    const file = encode(`Text;Amount;Date\n${FRENCH};12,00;2026-04-03\n`, 'windows-1252');
    const read = (encoding?: StatementEncoding, optEncoding?: StatementEncoding) =>
      parseStatement(file, { format: 'csv', csv: { ...csv, ...(encoding ? { encoding } : {}) }, ...(optEncoding ? { encoding: optEncoding } : {}) }).lines[0]?.text;
    assert.equal(read(), FRENCH);
    assert.equal(read('cp852'), 'Facture ôNo 2026-17ö rÚglÚe, montant 12,00 Ç Ś merci. CrÚdit rešu Ó GenŔve.');
    assert.equal(read('cp852', 'windows-1252'), FRENCH);
  });
});
