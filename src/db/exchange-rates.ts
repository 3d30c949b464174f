import type { StoredRate } from '../rates/choose.js';
import type { ImportSource, ParsedRate, RateSource } from '../rates/types.js';
import type { Queryable } from './pool.js';

/** A row of `exchange_rates`; rate and rate_date read back as text (numeric's own digits, YYYY-MM-DD). */
export interface ExchangeRateRow extends StoredRate {
  source_ref: string | null;
  imported_at: Date;
  updated_at: Date;
}

const COLUMNS = 'base, quote, rate::text AS rate, rate_date::text AS rate_date, source, source_ref, imported_at, updated_at';

const unnestValues = (rates: readonly ParsedRate[]) => [
  rates.map((r) => r.base),
  rates.map((r) => r.quote),
  rates.map((r) => r.rate),
  rates.map((r) => r.date),
  rates.map((r) => r.sourceRef),
];

/**
 * Serialises imports of one source until the transaction ends: without it two imports that
 * contradict each other both pass differingRates, and the later one's INSERT silently keeps the
 * earlier one's rows (ON CONFLICT DO NOTHING) and answers as if it had been stored.
 */
export async function lockRatesSource(db: Queryable, source: ImportSource): Promise<void> {
  await db.query({ text: `SELECT pg_advisory_xact_lock(hashtextextended('tollgate rates import ' || $1::text, 0))`, values: [source] });
}

/** Rates of the file that differ from what was imported before for the same pair, day and source. */
export async function differingRates(
  db: Queryable,
  source: ImportSource,
  rates: readonly ParsedRate[],
): Promise<Array<{ base: string; quote: string; rate_date: string; stored: string; incoming: string }>> {
  const res = await db.query<{ base: string; quote: string; rate_date: string; stored: string; incoming: string }>({
    text: `SELECT e.base, e.quote, e.rate_date::text AS rate_date, e.rate::text AS stored, n.rate::text AS incoming
             FROM unnest($1::text[], $2::text[], $3::numeric[], $4::date[], $5::text[]) AS n(base, quote, rate, rate_date, source_ref)
             JOIN exchange_rates e ON e.base = n.base AND e.quote = n.quote AND e.rate_date = n.rate_date AND e.source = $6::text
            WHERE e.rate <> n.rate
            ORDER BY e.rate_date, e.base, e.quote LIMIT 5`,
    values: [...unnestValues(rates), source],
  });
  return res.rows;
}

/** Inserts the rates not stored yet (same pair, day and source: kept as it is); returns how many were new. */
export async function insertRates(db: Queryable, source: ImportSource, rates: readonly ParsedRate[]): Promise<number> {
  const res = await db.query({
    text: `INSERT INTO exchange_rates (base, quote, rate, rate_date, source, source_ref)
           SELECT n.base, n.quote, n.rate, n.rate_date, $6::text, n.source_ref
             FROM unnest($1::text[], $2::text[], $3::numeric[], $4::date[], $5::text[]) AS n(base, quote, rate, rate_date, source_ref)
           ON CONFLICT (base, quote, rate_date, source) DO NOTHING`,
    values: [...unnestValues(rates), source],
  });
  return res.rowCount ?? 0;
}

/** Sets an operator's rate for a pair and day (a manual rate can be corrected); `created` when the day had none. */
export async function upsertManualRate(
  db: Queryable,
  r: { base: string; quote: string; rate: string; date: string },
): Promise<{ row: ExchangeRateRow; created: boolean }> {
  const res = await db.query<ExchangeRateRow & { created: boolean }>({
    text: `INSERT INTO exchange_rates (base, quote, rate, rate_date, source) VALUES ($1, $2, $3::numeric, $4::date, 'manual')
           ON CONFLICT (base, quote, rate_date, source) DO UPDATE
              SET rate = EXCLUDED.rate,
                  updated_at = CASE WHEN exchange_rates.rate = EXCLUDED.rate THEN exchange_rates.updated_at ELSE now() END
           RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    values: [r.base, r.quote, r.rate, r.date],
  });
  const row = res.rows[0];
  if (!row) throw new Error('upsert of a manual rate returned no row');
  const { created, ...rest } = row;
  return { row: rest, created };
}

/** Newest first; every filter optional. */
export async function listRates(
  db: Queryable,
  f: { base?: string | undefined; quote?: string | undefined; date?: string | undefined; source?: RateSource | undefined; limit: number },
): Promise<ExchangeRateRow[]> {
  const res = await db.query<ExchangeRateRow>({
    text: `SELECT ${COLUMNS} FROM exchange_rates
            WHERE ($1::text IS NULL OR base = $1::text) AND ($2::text IS NULL OR quote = $2::text)
              AND ($3::date IS NULL OR rate_date = $3::date) AND ($4::text IS NULL OR source = $4::text)
            ORDER BY rate_date DESC, base, quote, source LIMIT $5`,
    values: [f.base ?? null, f.quote ?? null, f.date ?? null, f.source ?? null, f.limit],
  });
  return res.rows;
}

/**
 * Every rate touching either currency dated from `maxAgeDays` before `day` up to `day`: all that
 * chooseRate needs for the pair, direct, inverse or through a hub (each leg touches one of them).
 */
export async function ratesForPair(db: Queryable, a: string, b: string, day: string, maxAgeDays: number): Promise<StoredRate[]> {
  const res = await db.query<StoredRate>({
    text: `SELECT base, quote, rate::text AS rate, rate_date::text AS rate_date, source FROM exchange_rates
            WHERE (base = ANY($1::text[]) OR quote = ANY($1::text[]))
              AND rate_date <= $2::date AND rate_date >= $2::date - $3::int`,
    values: [[a, b], day, maxAgeDays],
  });
  return res.rows;
}

/** The newest day a source has any rate for (YYYY-MM-DD), or null: where the scheduled fetch catches up from. */
export async function lastStoredRateDay(db: Queryable, source: ImportSource): Promise<string | null> {
  const res = await db.query<{ day: string | null }>({
    text: 'SELECT max(rate_date)::text AS day FROM exchange_rates WHERE source = $1::text',
    values: [source],
  });
  return res.rows[0]?.day ?? null;
}
