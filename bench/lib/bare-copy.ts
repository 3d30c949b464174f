import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The columns the upload writes (insertDecidedLines in src/db/bank-statements.ts, less the decision). */
const COLUMNS = 'id, statement_id, line_no, account, statement_ref, bank_reference, booking_date, value_date, amount_minor, currency, direction, entry_status, reversal, references_found, counterparty, text';
const BARE_TABLE = 'bench_bare_lines';

/**
 * The least any upload must do to store its lines: one COPY of the same rows (read back from
 * bank_lines as COPY text before the clock starts) into a copy of bank_lines with its defaults,
 * checks and indexes, over one connection. Returns the milliseconds the COPY took.
 */
export async function bareCopy(pool: pg.Pool, statementId: string): Promise<{ ms: number; lines: number }> {
  if (!/^[A-Za-z0-9_-]+$/.test(statementId)) throw new Error(`unexpected statement id ${statementId}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${BARE_TABLE} (LIKE bank_lines INCLUDING ALL)`);
  const client = await pool.connect();
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(`COPY (SELECT ${COLUMNS} FROM bank_lines WHERE statement_id = '${statementId}' ORDER BY line_no) TO STDOUT`))) {
      chunks.push(chunk as Buffer);
    }
    const t0 = performance.now();
    const copy = client.query(copyFrom(`COPY ${BARE_TABLE} (${COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from(chunks), copy);
    return { ms: performance.now() - t0, lines: Number(copy.rowCount) };
  } finally {
    client.release();
  }
}
