import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PAYMENT_STATUSES } from '../../src/domain/payment.js';
import {
  BANK_KEY_SEEN_OUTCOMES,
  isRepairable,
  LINE_OUTCOMES,
  REPAIRABLE_OUTCOMES,
  SETTLED_REASONS,
  takesBankMatch,
} from '../../src/domain/statement-matching.js';

const MIGRATIONS = join(import.meta.dirname, '../../src/db/migrations');

/** The values of the last `CHECK (<column> IN (...))` on `table` across every migration, in order. */
function checkedValues(table: string, column: string): string[] {
  let found: string[] | undefined;
  for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(MIGRATIONS, file), 'utf8');
    const create = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\);`).exec(sql)?.[1] ?? '';
    const altered = [...sql.matchAll(new RegExp(`ALTER TABLE ${table}\\b[^;]*;`, 'g'))].map((m) => m[0]).join('\n');
    for (const m of `${create}\n${altered}`.matchAll(new RegExp(`CHECK \\(${column} IN \\(([^)]*)\\)\\)`, 'g'))) {
      found = [...(m[1] ?? '').matchAll(/'([^']*)'/g)].map((v) => v[1] ?? '');
    }
  }
  assert.ok(found, `no CHECK on ${table}.${column} in the migrations`);
  return found;
}

describe('statement matching rules, stated once', () => {
  it('the SQL CHECK on bank_lines.outcome lists exactly LINE_OUTCOMES', () => {
    assert.deepEqual([...checkedValues('bank_lines', 'outcome')].sort(), [...LINE_OUTCOMES].sort());
  });

  it('the SQL CHECK on temporary_payments.settled_reason lists exactly SETTLED_REASONS', () => {
    assert.deepEqual([...checkedValues('temporary_payments', 'settled_reason')].sort(), [...SETTLED_REASONS].sort());
  });

  it('a person may re-pair only lines that did not settle anything and are not final', () => {
    assert.deepEqual([...REPAIRABLE_OUTCOMES].sort(), ['amount_mismatch', 'duplicate', 'no_reference', 'not_found']);
    assert.equal(isRepairable('matched'), false);
    assert.equal(isRepairable('ignored'), false);
    assert.equal(isRepairable(null), false);
    for (const o of BANK_KEY_SEEN_OUTCOMES) assert.ok((LINE_OUTCOMES as readonly string[]).includes(o));
  });

  it('a temporary payment takes a bank match unless the bank already settled it', () => {
    assert.equal(takesBankMatch({ kind: 'temporary', status: 'open', settledReason: null }), true);
    assert.equal(takesBankMatch({ kind: 'temporary', status: 'settled', settledReason: 'manual' }), true);
    assert.equal(takesBankMatch({ kind: 'temporary', status: 'settled', settledReason: 'expired' }), true);
    assert.equal(takesBankMatch({ kind: 'temporary', status: 'settled', settledReason: 'bank' }), false);
  });

  it('a payment takes a bank match only while it is a pending bank transfer', () => {
    for (const status of PAYMENT_STATUSES) {
      assert.equal(takesBankMatch({ kind: 'payment', status, adapter: 'bank_transfer' }), status === 'pending', status);
      assert.equal(takesBankMatch({ kind: 'payment', status, adapter: 'sandbox' }), false, status);
    }
  });
});
