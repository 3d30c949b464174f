import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../src/activities/index.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { byVersion } from '../support/event-order.js';

const FIXTURES = resolve(projectRoot(), 'test', 'fixtures', 'bank-statements');
const fixture = (path: string) => readFileSync(join(FIXTURES, path));

/**
 * Settlement from bank statements over HTTP: temporary payments whose references occur in a real
 * bank's MT940 export, the export imported, exactly those settled; amount mismatch; the same file
 * twice; a pending bank transfer paid by a camt.053 line; a malformed file refused.
 */
describe('bank statements (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  /** A payment through the deferred sandbox, approved, so it opens a temporary payment. */
  async function temporaryPayment(customerId: string, reference: string, amount: number, currency = 'EUR') {
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customerId, amount, currency, gateway: 'sandbox_deferred', reference } });
    assert.equal(p.status, 201, p.text);
    await stack.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    return waitFor(`the temporary payment of ${reference}`, async () => {
      const list = await stack.request('GET', `/v1/temporary-payments?customer_id=${customerId}`);
      return list.json.data.find((t: { payment_id: string }) => t.payment_id === p.json.id) as { id: string; status: string } | undefined;
    });
  }

  async function upload(body: Buffer | string, query = '') {
    return stack.request('POST', `/v1/bank-statements${query}`, { raw: body as string, headers: { 'content-type': 'application/octet-stream' } });
  }

  const tmp = async (id: string) => (await stack.request('GET', `/v1/temporary-payments/${id}`)).json;

  it('settles the temporary payments a real MT940 export pays, leaves the rest, and reports every line', async () => {
    const customer = await createCustomer(stack);
    // Three credits of the German SEPA export (wolph-betterplace-sepa_mt9401.sta), by their ?20EREF+ reference.
    const paid1 = await temporaryPayment(customer.id, 'TFNR 40005 00005', 30_000);
    const paid2 = await temporaryPayment(customer.id, 'TFNR 44003 00001', 33_533);
    const wrongAmount = await temporaryPayment(customer.id, 'TFNR 40005 00002', 1_499_999);
    const untouched = await temporaryPayment(customer.id, 'NOT-IN-THE-FILE-1', 30_000);

    const res = await upload(fixture('mt940/wolph-betterplace-sepa_mt9401.sta'));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.format, 'mt940');
    const statement = await waitFor('the import to finish', async () => {
      const s = await stack.request('GET', `/v1/bank-statements/${res.json.id}`);
      return s.json.status === 'done' ? s.json : undefined;
    });
    assert.equal(statement.lines.length, statement.line_count);
    assert.ok(statement.lines.every((l: { outcome: string | null }) => l.outcome !== null), 'every line has an outcome');
    const byRef = (ref: string) => statement.lines.find((l: { references: string[] }) => l.references[0] === ref);
    assert.equal(byRef('TFNR 40005 00005').outcome, 'matched');
    assert.equal(byRef('TFNR 40005 00005').matched.temporary_payment_id, paid1.id);
    assert.equal(byRef('TFNR 44003 00001').outcome, 'matched');
    assert.equal(byRef('TFNR 40005 00002').outcome, 'amount_mismatch');
    assert.match(byRef('TFNR 40005 00002').outcome_detail, /15000\.00 EUR.*14999\.99 EUR/);
    assert.ok(statement.lines.some((l: { outcome: string }) => l.outcome === 'ignored'), 'the debits are ignored');

    for (const t of [paid1, paid2]) {
      const settled = await waitFor('the bank settlement', async () => {
        const row = await tmp(t.id);
        return row.status === 'settled' ? row : undefined;
      });
      assert.equal(settled.settled_reason, 'bank');
      assert.ok(settled.bank_line_id);
    }
    assert.equal((await tmp(wrongAmount.id)).status, 'open');
    assert.equal((await tmp(untouched.id)).status, 'open');
    const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${paid1.id}`);
    // One aggregate's events are ordered by aggregate_version (the feed's order is by writing
    // transaction, and the statement's transaction may have taken its id before the creation's).
    assert.deepEqual(byVersion(events.json.data), ['temporary_payment.created', 'temporary_payment.settled']);

    // The same file again is the same import: nothing new, nothing settled twice.
    const again = await upload(fixture('mt940/wolph-betterplace-sepa_mt9401.sta'));
    assert.equal(again.status, 200);
    assert.equal(again.json.id, res.json.id);
    const count = await stack.pool.query('SELECT count(*)::int AS n FROM bank_statements WHERE sha256 = $1', [res.json.sha256]);
    assert.equal(count.rows[0].n, 1);
    const settledEvents = await stack.pool.query("SELECT count(*)::int AS n FROM events WHERE type = 'temporary_payment.settled' AND aggregate_id = ANY($1)", [[paid1.id, paid2.id]]);
    assert.equal(settledEvents.rows[0].n, 2);

    // A person pairs the mismatched line by hand.
    const line = byRef('TFNR 40005 00002');
    const paired = await stack.request('POST', `/v1/bank-lines/${line.id}/match`, { body: { temporary_payment_id: wrongAmount.id, note: 'customer paid 0.01 more' } });
    assert.equal(paired.status, 200, paired.text);
    assert.equal(paired.json.outcome, 'matched');
    const byHand = await waitFor('the hand match to settle', async () => {
      const row = await tmp(wrongAmount.id);
      return row.status === 'settled' ? row : undefined;
    });
    assert.equal(byHand.settled_reason, 'bank');
    assert.equal((await stack.request('POST', `/v1/bank-lines/${line.id}/match`, { body: { temporary_payment_id: untouched.id } })).status, 409);
  });

  it('pays a pending bank transfer from a camt.053 line with its reference and amount', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 885, currency: 'EUR', gateway: 'bank_transfer', reference: '4654654654654654' } });
    assert.equal(p.status, 201, p.text);
    const res = await upload(fixture('camt/genkgo-camt053.v2.minimal.xml'), '?format=camt.053');
    assert.ok(res.status === 201 || res.status === 200, res.text);
    const paid = await waitFor('the bank transfer to succeed', async () => {
      const r = await stack.request('GET', `/v1/payments/${p.json.id}`);
      return r.json.status === 'succeeded' ? r.json : undefined;
    });
    assert.equal(paid.gateway_code, 'bank_statement');
  });

  it('refuses a malformed file with a 422 naming where it broke, journals it, and imports nothing', async () => {
    const before = await stack.pool.query('SELECT count(*)::int AS n FROM bank_statements');
    const res = await upload(fixture('camt/genkgo-camt053.v2.wrong.xml'));
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.json.detail, /BkToCstmrStmt/);
    assert.ok(res.json.errors[0].path.length > 0);
    const afterCount = await stack.pool.query('SELECT count(*)::int AS n FROM bank_statements');
    assert.equal(afterCount.rows[0].n, before.rows[0].n);
    const journal = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE channel = 'statement' ORDER BY id DESC LIMIT 1");
    assert.equal(journal.rows[0].outcome, 'rejected_malformed');
    const csvWithoutMap = await upload('date,amount\n2026-01-01,1.00\n', '?format=csv');
    assert.equal(csvWithoutMap.status, 400);
    assert.match(JSON.stringify(csvWithoutMap.json), /csv_map/);
    const journaled = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE channel = 'statement' ORDER BY id DESC LIMIT 1");
    assert.equal(journaled.rows[0].outcome, 'rejected_malformed', 'a refused upload is journaled too');
    const badInline = await upload('date,amount\n2026-01-01,1.00\n', `?format=csv&csv_map=${encodeURIComponent('{"amount":"amount"}')}`);
    assert.equal(badInline.status, 400);
    assert.match(JSON.stringify(badInline.json), /defaultCurrency/);
    const inline = await upload('date,amount\n2026-01-01,1.00\n', `?format=csv&csv_map=${encodeURIComponent('{"amount":"amount","date":"date","defaultCurrency":"EUR"}')}`);
    assert.equal(inline.status, 201, inline.text);
    assert.equal(inline.json.lines[0].outcome, 'no_reference');
  });

  it('a camt file whose last entry is malformed imports nothing, though its first batches were stored while the rest was read', async () => {
    const customer = await createCustomer(stack);
    const reference = (await stack.request('GET', '/v1/variable-symbol')).json.reference as string;
    const t = await temporaryPayment(customer.id, reference, 4900, 'PLN');
    // 4,001 entries: two whole batches of 2,000 (the first pays t) are decided and inserted before the parse reaches the last.
    const entry = (amount: string, text: string, i: number) =>
      `<Ntry><Amt Ccy="PLN">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>LATE-${i}-${reference}</AcctSvcrRef>` +
      `<NtryDtls><TxDtls><RmtInf><Ustrd>${text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;
    const entries = [entry('49.00', `Internet ${reference}`, 0), ...Array.from({ length: 3999 }, (_, i) => entry('1.00', 'other', i + 1)), entry('forty', 'broken', 4000)];
    const file =
      '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>' +
      `<Stmt><Id>LATE-${reference}</Id><Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`;
    const count = async () => (await stack.pool.query<{ s: number; l: number }>('SELECT (SELECT count(*)::int FROM bank_statements) AS s, (SELECT count(*)::int FROM bank_lines) AS l')).rows[0];
    const before = await count();
    const res = await upload(file);
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.detail, /Ntry\[4001\]/);
    assert.deepEqual(await count(), before, 'no statement and no line stayed');
    const journal = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE channel = 'statement' ORDER BY id DESC LIMIT 1");
    assert.equal(journal.rows[0].outcome, 'rejected_malformed');
    assert.equal((await tmp(t.id)).status, 'open', 'the temporary payment its first line paid is still open');
  });

  it('takes a CSV export as a multipart upload with a named column map, in its own number format', async () => {
    const customer = await createCustomer(stack);
    const vs = (await stack.request('GET', '/v1/variable-symbol')).json.reference as string;
    const t = await temporaryPayment(customer.id, vs, 150_000, 'PLN');
    const csv = [
      'Data operacji;Kwota;Tytuł;Nadawca;Identyfikator',
      `2026-11-27;"1500,00";"Abonament 11/2026; ${vs}";Jan Kowalski;PL-${vs}`,
      '2026-11-27;"80,00";"Abonament, umowa 17";Anna Nowak;PL-2',
      '2026-11-27;"-25,00";Prowizja;Bank;PL-3',
    ].join('\n');
    const form = new FormData();
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'wyciag.csv');
    form.set('format', 'csv');
    form.set('csv_map', 'pl_bank');
    const res = await fetch(`${stack.baseUrl}/v1/bank-statements`, { method: 'POST', headers: { authorization: `Bearer ${stack.adminKey}` }, body: form });
    const body = (await res.json()) as { format: string; file_name: string; lines: Array<{ amount: number; currency: string; direction: string; outcome: string; references: string[] }> };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.format, 'csv');
    assert.equal(body.file_name, 'wyciag.csv');
    assert.deepEqual(
      body.lines.map((l) => [l.amount, l.currency, l.direction, l.outcome]),
      [[150_000, 'PLN', 'credit', 'matched'], [8000, 'PLN', 'credit', 'no_reference'], [2500, 'PLN', 'debit', 'ignored']],
    );
    assert.deepEqual(body.lines[0]?.references, [vs], 'a Tollgate reference is found in free text with no configuration');
    const settled = await waitFor('the CSV line to settle it', async () => {
      const row = await tmp(t.id);
      return row.status === 'settled' ? row : undefined;
    });
    assert.equal(settled.settled_reason, 'bank');
  });

  it("takes an MT942 interim report, then knows its entries again in the day's MT940 by the bank's reference", async () => {
    const done = async (id: string) =>
      waitFor(`statement ${id} to finish`, async () => {
        const s = await stack.request('GET', `/v1/bank-statements/${id}`);
        return s.json.status === 'done' ? s.json : undefined;
      });
    // mBank, 19 January 2017: three 0.01 PLN credits reported at 18:15, then in the closing statement.
    const interimUpload = await upload(fixture('mt940/wolph-mbank-mt942.sta'));
    assert.equal(interimUpload.status, 201, interimUpload.text);
    assert.equal(interimUpload.json.format, 'mt942');
    const interim = await done(interimUpload.json.id);
    assert.deepEqual(
      interim.lines.map((l: { amount: number; direction: string; outcome: string; account: string }) => [l.amount, l.direction, l.outcome, l.account]),
      Array(3).fill([1, 'credit', 'no_reference', 'PL29114010810000267002001002']),
      'booked credits, decided like any statement line',
    );
    const dayUpload = await upload(fixture('mt940/wolph-mbank-mt940.sta'));
    assert.equal(dayUpload.status, 201, dayUpload.text);
    assert.equal(dayUpload.json.format, 'mt940');
    const day = await done(dayUpload.json.id);
    assert.deepEqual(
      day.lines.map((l: { outcome: string; outcome_detail: string }) => [l.outcome, l.outcome_detail]),
      ['MB170119012058', 'MB170119012085', 'MB170119012121'].map((ref) => ['duplicate', `bank reference ${ref} was imported before`]),
    );
  });

  /** A minimal MT940 export with one credit carrying `text` in its :86: and no bank reference. */
  const mt940 = (id: string, amount: string, text: string) =>
    [':20:' + id, ':25:PL61109010140000071219812874', ':28C:1/1', ':60F:C261127PLN0,00', `:61:2611271127C${amount}NTRFNOTPROVIDED`, `:86:${text}`, `:62F:C261127PLN${amount}`, '-'].join('\n');

  it('does not take two real transfers for one because they share the payer\'s reference and have no bank reference', async () => {
    const customer = await createCustomer(stack);
    const vs = async () => (await stack.request('GET', '/v1/variable-symbol')).json.reference as string;
    const [r1, r2] = [await vs(), await vs()];
    const t1 = await temporaryPayment(customer.id, r1, 4900, 'PLN');
    const t2 = await temporaryPayment(customer.id, r2, 4900, 'PLN');
    const a = await upload(mt940('NOV27', '49,00', `Internet ${r1}`));
    const b = await upload(mt940('NOV28', '49,00', `Internet ${r2}`));
    assert.equal(a.json.lines[0].outcome, 'matched', a.text);
    assert.equal(b.json.lines[0].outcome, 'matched', b.text);
    for (const t of [t1, t2]) {
      await waitFor('settled', async () => ((await tmp(t.id)).status === 'settled' ? true : undefined));
    }
  });

  it('a second transfer for a bank-transfer payment already paid is a duplicate naming it, not "not found"', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 4900, currency: 'PLN', gateway: 'bank_transfer' } });
    assert.equal(p.status, 201, p.text);
    const first = await upload(mt940('NOV27', '49,00', `Internet ${p.json.reference}`));
    assert.equal(first.json.lines[0].outcome, 'matched', first.text);
    await waitFor('the bank transfer to succeed', async () => ((await stack.request('GET', `/v1/payments/${p.json.id}`)).json.status === 'succeeded' ? true : undefined));
    const second = await upload(mt940('NOV30', '49,00', `Internet ${p.json.reference} again`));
    assert.equal(second.status, 201, second.text);
    assert.deepEqual([second.json.lines[0].outcome, second.json.lines[0].outcome_detail], ['duplicate', `payment ${p.json.id} is already matched by another line`]);
  });

  it('two files paying one temporary payment at once: the one stored second waits, sees the first match and takes its line as a duplicate', async () => {
    const customer = await createCustomer(stack);
    const reference = (await stack.request('GET', '/v1/variable-symbol')).json.reference as string;
    const t = await temporaryPayment(customer.id, reference, 4900, 'PLN');
    // Another import half-way: its line matching t is written, not committed.
    const first = `stm_first_${Date.now()}`;
    const other = await stack.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO bank_statements (id, sha256, format, line_count) VALUES ($1, $1, 'mt940', 1)`, [first]);
      await other.query(
        `INSERT INTO bank_lines (id, statement_id, line_no, amount_minor, currency, direction, entry_status, outcome, temporary_payment_id, decided_at)
         VALUES ($1 || '_1', $1, 1, 4900, 'PLN', 'credit', 'booked', 'matched', $2, now())`,
        [first, t.id],
      );
      const second = upload(mt940('NOV29', '49,00', `Internet ${reference}`));
      // The upload cannot see that line yet: it decides its own matched and waits on it at the insert.
      await waitFor('the upload to wait on the other import', async () => {
        const r = await stack.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO bank_lines%'");
        return (r.rows[0]?.n ?? 0) > 0 ? true : undefined;
      });
      await other.query('COMMIT');
      const res = await second;
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.lines[0].outcome, 'duplicate', res.text);
      assert.match(res.json.lines[0].outcome_detail, new RegExp(`temporary payment ${t.id} is already matched by another line`));
    } finally {
      other.release();
    }
    const matched = await stack.pool.query<{ statement_id: string }>("SELECT statement_id FROM bank_lines WHERE temporary_payment_id = $1 AND outcome = 'matched'", [t.id]);
    assert.deepEqual(matched.rows.map((r) => r.statement_id), [first], 'one line matched it: the first import\'s');
  });

  it('a matched line wins over the expiry or hand settlement that runs before its signal arrives', async () => {
    const customer = await createCustomer(stack);
    const t = await temporaryPayment(customer.id, `RACE-${Date.now()}`, 1200, 'PLN');
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 700, currency: 'PLN', gateway: 'bank_transfer' } });
    // A decided line whose signal has not gone out yet, for each.
    const statement = `stm_race_${Date.now()}`;
    await stack.pool.query(`INSERT INTO bank_statements (id, sha256, format, line_count, status) VALUES ($1, $1, 'mt940', 2, 'done')`, [statement]);
    await stack.pool.query(
      `INSERT INTO bank_lines (id, statement_id, line_no, amount_minor, currency, direction, entry_status, outcome, temporary_payment_id, payment_id, decided_at)
       VALUES ($1 || '_1', $1, 1, 1200, 'PLN', 'credit', 'booked', 'matched', $2, NULL, now()), ($1 || '_2', $1, 2, 700, 'PLN', 'credit', 'booked', 'matched', NULL, $3, now())`,
      [statement, t.id, p.json.id],
    );
    const activities = createActivities({ pool: stack.pool, temporal: stack.deps.temporal, gateways: stack.deps.gateways, hookSecret: 'whsec_AA==', hookTimeoutMs: 1000, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, outbound: { allow: parseOutboundAllowlist(''), maxResponseBytes: 65_536 }, publicBaseUrl: stack.config.publicBaseUrl, actionLinkTtlMs: 86_400_000 });
    const settled = await activities.settleTemporaryPayment({ temporaryPaymentId: t.id, reason: 'expired', actor: 'expiry' });
    assert.deepEqual(settled, { status: 'settled', settledReason: 'bank', bankLineId: `${statement}_1` });
    assert.equal(await activities.expirePayment({ paymentId: p.json.id }), 'succeeded');
    const paid = (await stack.request('GET', `/v1/payments/${p.json.id}`)).json;
    assert.deepEqual([paid.status, paid.gateway_code, paid.gateway_transaction_id], ['succeeded', 'bank_statement', `${statement}_2`]);
    const events = await stack.pool.query("SELECT type FROM events WHERE aggregate_id = $1 AND type LIKE 'temporary_payment.%' ORDER BY id", [t.id]);
    assert.deepEqual(events.rows.map((e) => e.type), ['temporary_payment.created', 'temporary_payment.settled']);
  });

  it('unsettle of a hand settlement the bank has matched meanwhile settles it by the bank; an orphaned match does not hold up the others', async () => {
    const customer = await createCustomer(stack);
    const confirmed = await temporaryPayment(customer.id, `CONF-${Date.now()}`, 1300, 'PLN');
    const orphan = await temporaryPayment(customer.id, `ORPH-${Date.now()}`, 1400, 'PLN');
    const told = await temporaryPayment(customer.id, `TOLD-${Date.now()}`, 1500, 'PLN');
    assert.equal((await stack.request('POST', `/v1/temporary-payments/${confirmed.id}/settle`)).status, 200);
    await stack.deps.temporal.workflow.getHandle(`temporary-payment:${orphan.id}`).terminate('operator removed it');
    const statement = `stm_orphan_${Date.now()}`;
    await stack.pool.query(`INSERT INTO bank_statements (id, sha256, format, line_count, status) VALUES ($1, $1, 'mt940', 3, 'importing')`, [statement]);
    await stack.pool.query(
      `INSERT INTO bank_lines (id, statement_id, line_no, amount_minor, currency, direction, entry_status, outcome, temporary_payment_id, decided_at)
       VALUES ($1 || '_1', $1, 1, 1300, 'PLN', 'credit', 'booked', 'matched', $2, now()),
              ($1 || '_2', $1, 2, 1400, 'PLN', 'credit', 'booked', 'matched', $3, now()),
              ($1 || '_3', $1, 3, 1500, 'PLN', 'credit', 'booked', 'matched', $4, now())`,
      [statement, confirmed.id, orphan.id, told.id],
    );
    const activities = createActivities({ pool: stack.pool, temporal: stack.deps.temporal, gateways: stack.deps.gateways, hookSecret: 'whsec_AA==', hookTimeoutMs: 1000, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, outbound: { allow: parseOutboundAllowlist(''), maxResponseBytes: 65_536 }, publicBaseUrl: stack.config.publicBaseUrl, actionLinkTtlMs: 86_400_000 });
    const reopened = await activities.unsettleTemporaryPayment({ temporaryPaymentId: confirmed.id, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), actor: 'key_x' });
    assert.deepEqual(reopened, { status: 'settled', settledReason: 'bank', bankLineId: `${statement}_1` });
    const events = await stack.pool.query('SELECT type FROM events WHERE aggregate_id = $1 ORDER BY id', [confirmed.id]);
    assert.deepEqual(events.rows.map((e) => e.type), ['temporary_payment.created', 'temporary_payment.settled', 'temporary_payment.bank_confirmed']);

    // Line 2's workflow is gone while its temporary payment is open: set aside, lines 1 and 3 told.
    assert.deepEqual(await activities.signalMatchedLines({ statementId: statement, limit: 10 }), { signaled: 2 });
    assert.deepEqual(await activities.signalMatchedLines({ statementId: statement, limit: 10 }), { signaled: 0 }, 'the orphan alone makes no progress, so the import moves on');
    const settled = await waitFor('line 3 to settle its temporary payment', async () => {
      const row = await tmp(told.id);
      return row.status === 'settled' ? row : undefined;
    });
    assert.equal(settled.bank_line_id, `${statement}_3`);
    const lines = await stack.pool.query('SELECT id, outcome, signaled_at IS NOT NULL AS told, signal_attempted_at IS NOT NULL AS tried FROM bank_lines WHERE statement_id = $1 ORDER BY line_no', [statement]);
    assert.deepEqual(lines.rows.map((l) => [l.outcome, l.told, l.tried]), [['matched', true, false], ['matched', false, true], ['matched', true, false]]);
  });
});
