/**
 * scanEntryTree (src/statements/camt-entry-tree.ts) must build exactly the tree fast-xml-parser
 * builds with camt-node.ts's options, or decline (undefined) so the parser reads the entry. Held
 * to that on every entry of every camt fixture, on crafted markup at the edges of its subset, and
 * on generated entries.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { scanEntryTree } from '../../src/statements/camt-entry-tree.js';
import { children, parseTree } from '../../src/statements/camt-node.js';

const FIXTURE_DIRS = [resolve(projectRoot(), 'test/fixtures/bank-statements/camt'), resolve(projectRoot(), '../shared/fixtures/bank-statements/camt')];

/** What fast-xml-parser makes of the fragment: the single Ntry (or other root) element. */
function parsed(fragment: string): unknown {
  const tree = parseTree(fragment);
  const [name] = Object.keys(tree);
  return name === 'Ntry' ? children(tree, 'Ntry')[0] : tree[name ?? ''];
}

/** Agrees with the parser, or declines; returns whether it took the fragment. */
function agrees(fragment: string): boolean {
  const fast = scanEntryTree(fragment);
  if (fast === undefined) return false;
  assert.deepStrictEqual(fast, parsed(fragment), fragment);
  return true;
}

function fixtureEntries(): Array<{ file: string; fragment: string }> {
  const out: Array<{ file: string; fragment: string }> = [];
  for (const dir of FIXTURE_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.xml'));
    } catch {
      continue; // ../shared is not there in every checkout
    }
    for (const name of names) {
      const text = readFileSync(join(dir, name), 'utf8');
      // Entries as written (no nesting of Ntry in camt): from each "<Ntry" or "<x:Ntry" to its end tag.
      for (const m of text.matchAll(/<((?:[A-Za-z0-9_]+:)?Ntry)[\s>][\s\S]*?<\/\1>/g)) out.push({ file: name, fragment: m[0] });
    }
  }
  return out;
}

describe('scanEntryTree', () => {
  it('builds the parser’s tree for every entry of every camt fixture it takes, and takes most of them', () => {
    const entries = fixtureEntries();
    // The project's own camt fixtures hold 8 entries; ../shared adds more where it is checked out
    // beside the project (not in a clone elsewhere), so only the project's count is required.
    assert.ok(entries.length >= 8, `only ${entries.length} fixture entries found`);
    const taken = entries.filter((e) => agrees(e.fragment)).length;
    assert.ok(taken / entries.length > 0.5, `took only ${taken} of ${entries.length}`);
  });

  it('agrees on the edges of its subset: attributes, entities, empty and repeated elements, whitespace', () => {
    for (const fragment of [
      '<Ntry><Amt Ccy="EUR">8.85</Amt></Ntry>',
      '<Ntry><Amt Ccy="EUR"></Amt><B></B><C/><D>  </D><E />\n</Ntry>',
      '<Ntry><Amt Ccy=" EUR ">  8.85  </Amt></Ntry>',
      "<Ntry><A x = '1'  y=\"2\"/></Ntry>",
      '<Ntry><A>x</A><A>y</A><A><B>1</B></A><Bal>1</Bal></Ntry>',
      '<Ntry><A>a &amp;lt; &lt;b&gt; &quot;&apos;</A><B x="&amp;&lt;">t</B></Ntry>',
      '<Ntry><A>a\n  b\r\n c\t</A><B>x > y</B><C x="a>b">t</C></Ntry>',
      '<Ntry><Ustrd>one</Ustrd><Ustrd></Ustrd><Ustrd/></Ntry>',
      '<Ntry>\n  <Amt Ccy="PLN">1</Amt>\n  <NtryDtls><TxDtls><Refs/></TxDtls></NtryDtls>\n</Ntry>',
      '<Ntry><A>\u00a0zażółć\u00a0</A></Ntry>',
    ]) {
      assert.equal(agrees(fragment), true, `declined ${fragment}`);
    }
  });

  it('leaves to the parser what it does not read the same way', () => {
    for (const fragment of [
      '<Ntry><A>&#65;</A></Ntry>', // character references: decoded by XML version
      '<Ntry><A>x &nbsp; y</A></Ntry>', // not a predefined entity
      '<Ntry><A>x & y</A></Ntry>',
      '<Ntry><!-- c --><A>1</A></Ntry>',
      '<Ntry><A><![CDATA[<b>]]></A></Ntry>',
      '<Ntry><?pi x?><A>1</A></Ntry>',
      '<ns:Ntry xmlns:ns="urn:x"><ns:A>1</ns:A></ns:Ntry>',
      '<Ntry xmlns="urn:x"><A>1</A></Ntry>',
      '<Ntry><A xsi:type="x">1</A></Ntry>',
      '<Ntry>hello<A>x</A>world</Ntry>', // mixed content
      '<Ntry><A>1</A ></Ntry>',
      '<Ntry><A Bal="1">1</A></Ntry>',
      '<Ntry><A>1</A></Ntry> ',
      '<Ntry><A>1</A></Ntry><Ntry/>',
      '<Ntry><Amt\uFEFFCcy="EUR">1</Amt\uFEFFCcy="EUR"></Ntry>', // a Unicode space the parser ends the name at
      '<Ntry><Amt Ccy\u00a0="EUR">1</Amt></Ntry>',
      '<Ntry><Nazwa>1</Nazwa><Kwotą>2</Kwotą></Ntry>', // names outside ASCII: the parser's
      // Names every JavaScript object inherits: as entities the parser leaves them as they are, as
      // element names it renames some (toString → __toString); a plain-object lookup would find
      // Object.prototype's functions instead.
      '<Ntry><AddtlNtryInf>VS &constructor; 1</AddtlNtryInf></Ntry>',
      '<Ntry><A>&toString;</A></Ntry>',
      '<Ntry><A>&__proto__;</A></Ntry>',
      '<Ntry><Amt Ccy="&valueOf;">1.00</Amt></Ntry>',
      '<Ntry><toString>1</toString><valueOf>2</valueOf></Ntry>',
      '<Ntry><hasOwnProperty>1</hasOwnProperty></Ntry>',
      '<Ntry><A toString="x">1</A></Ntry>',
    ]) {
      assert.equal(scanEntryTree(fragment), undefined, fragment);
    }
  });

  it('agrees with the parser on generated entries (fast-check)', () => {
    const name = fc.constantFrom('Ntry', 'Amt', 'Ustrd', 'TxDtls', 'NtryDtls', 'Refs', 'A', 'Bal', 'Strd', 'Nm');
    const textArb = fc.array(fc.constantFrom('a', 'Z', '0', ' ', '\n', '\r', '\r\n', '\t', '>', '&amp;', '&lt;', '&quot;', '&apos;', '&gt;', 'ł', '\u00a0', '"', "'"), { maxLength: 12 }).map((p) => p.join(''));
    const attrValue = fc.array(fc.constantFrom('a', ' ', '1', '&amp;', '>', '\t', '\r\n'), { maxLength: 6 }).map((p) => p.join(''));
    const attrs = fc.uniqueArray(fc.tuple(fc.constantFrom('Ccy', 'x', 'y'), attrValue, fc.constantFrom('"', "'")), { selector: (a) => a[0], maxLength: 2 });
    const element: fc.Memo<string> = fc.memo((depth) =>
      fc
        .tuple(name, attrs, depth <= 1 ? fc.oneof(textArb, fc.constant('/')) : fc.oneof(textArb, fc.array(element(depth - 1), { minLength: 1, maxLength: 3 }).map((kids) => kids.join('\n'))))
        .map(([n, as, body]) => {
          const a = as.map(([k, v, q]) => ` ${k}=${q}${q === '"' ? v.replaceAll('"', '') : v.replaceAll("'", '')}${q}`).join('');
          return body === '/' ? `<${n}${a}/>` : `<${n}${a}>${body}</${n}>`;
        }),
    );
    fc.assert(
      fc.property(fc.array(element(3), { maxLength: 4 }), (kids) => {
        const fragment = `<Ntry>${kids.join('')}</Ntry>`;
        agrees(fragment);
      }),
      { numRuns: 2000 },
    );
  });
});
