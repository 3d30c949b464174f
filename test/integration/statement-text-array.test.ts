import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createPool } from '../../src/db/pool.js';
import { textArrayLiteral } from '../../src/db/text-array-literal.js';
import { testEnv } from '../support/env.js';

/**
 * The references of an uploaded line reach bank_lines.references_found as a text[] literal cast
 * by Postgres (insertDecidedLines); whatever a statement's text holds must come back element for
 * element, never as NULL, never split or joined.
 */
describe('textArrayLiteral read back by Postgres', () => {
  const pool = createPool(testEnv.databaseUrl(), 1);
  after(async () => {
    await pool.end();
  });

  const roundTrip = async (values: string[]) => {
    const res = await pool.query<{ a: string[] }>({ text: 'SELECT (($1::jsonb)->>0)::text[] AS a', values: [JSON.stringify([textArrayLiteral(values)])] });
    return res.rows[0]?.a;
  };

  it('keeps quotes, backslashes, braces, commas, spaces, NULL-looking and empty text as they are', async () => {
    for (const values of [[], [''], ['NULL'], ['null', 'NULL '], ['a"b', 'c\\d', '\\"'], ['{x}', 'a,b', ' lead', 'trail ', 'two  spaces'], ['zażółć', '€ 1,00', '\t']]) {
      assert.deepEqual(await roundTrip(values), values);
    }
  });

  it('round-trips generated references (fast-check)', async () => {
    const piece = fc.constantFrom('a', 'Z', '0', ' ', ',', '{', '}', '"', '\\', "'", 'ł', 'NULL', '\t', '\n');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), { maxLength: 5 }), async (values) => {
        assert.deepEqual(await roundTrip(values), values);
      }),
      { numRuns: 300 },
    );
  });
});
