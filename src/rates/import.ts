import type pg from 'pg';
import { differingRates, insertRates, lockRatesSource } from '../db/exchange-rates.js';
import { inTransaction } from '../db/pool.js';
import { PayloadTooLargeError, UnprocessableContentError, ValidationError } from '../domain/errors.js';
import { isIP } from 'node:net';
import { addressListed, hostListed, type OutboundAllowlist } from '../outbound/addresses.js';
import { outboundUrlProblem, safeRequest, type Resolver } from '../outbound/safe-request.js';
import { parseEcb } from './ecb.js';
import { parseNbp } from './nbp.js';
import { type ImportSource, type ParsedRates, RatesFileError } from './types.js';

export interface RatesImportResult {
  source: ImportSource;
  days: string[];
  /** Rates in the file. */
  rates: number;
  /** Of them, new; the rest were stored already with the same value (the same file twice adds none). */
  inserted: number;
}

/** Where a rates file came from: the request's body, or a URL Tollgate fetched. */
export type RatesFileOrigin = 'body' | 'url';

/**
 * Parses a rates file of `source`; a file that cannot be read is a 422 naming where, and nothing
 * is imported. For a fetched file the 422 names only the place, never what is there: the parsers'
 * reasons quote the text, and a caller with the billing scope must not be able to read any
 * listed host's answer through them.
 */
export function parseRatesFile(source: ImportSource, bytes: Buffer, origin: RatesFileOrigin = 'body'): ParsedRates {
  const fileProblem = (err: RatesFileError) => (origin === 'url' ? fetchedFileProblem(source, err) : bodyFileProblem(err));
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw fileProblem(new RatesFileError('the file is not UTF-8 text', 'document'));
  }
  if (body.trim() === '') throw fileProblem(new RatesFileError('the file is empty', 'document'));
  try {
    return source === 'ecb' ? parseEcb(body) : parseNbp(body);
  } catch (err) {
    if (err instanceof RatesFileError) throw fileProblem(err);
    throw err;
  }
}

function fetchedFileProblem(source: ImportSource, err: RatesFileError): UnprocessableContentError {
  return new UnprocessableContentError(
    `the fetched file is not a readable ${source.toUpperCase()} rates file (at ${err.where}; its content is not repeated); nothing was imported`,
    { errors: [{ path: err.where, message: 'cannot be read' }] },
  );
}

function bodyFileProblem(err: RatesFileError): UnprocessableContentError {
  return new UnprocessableContentError(`the rates file cannot be read: ${err.reason} (at ${err.where}); nothing was imported`, {
    errors: [{ path: err.where, message: err.reason }],
  });
}

/**
 * Stores a parsed file whole or not at all, in one transaction. A rate already stored for the same
 * pair, day and source is kept; one that differs from it refuses the whole file (422): a central
 * bank does not change a published rate, so a file that does is not that bank's — an operator
 * who must correct a day sets a manual rate, which wins on its day (src/rates/choose.ts).
 */
export async function storeRates(pool: pg.Pool, parsed: ParsedRates): Promise<RatesImportResult> {
  return inTransaction(pool, async (tx) => {
    await lockRatesSource(tx, parsed.source); // before the check, so a concurrent import's rows are seen
    const differing = await differingRates(tx, parsed.source, parsed.rates);
    if (differing.length > 0) {
      const errors = differing.map((d) => ({
        path: `${d.base}/${d.quote} ${d.rate_date}`,
        message: `${d.incoming} in this file, ${d.stored} imported before`,
      }));
      throw new UnprocessableContentError(
        `the file gives other rates than the ${parsed.source.toUpperCase()} rates imported before for the same days (first: ${errors[0]?.path}: ${errors[0]?.message}); nothing was imported — set a manual rate to correct a day`,
        { errors },
      );
    }
    const inserted = await insertRates(tx, parsed.source, parsed.rates);
    return { source: parsed.source, days: parsed.days, rates: parsed.rates.length, inserted };
  });
}

/** How long fetching a rates URL may take, connecting to the last byte. */
export const RATES_FETCH_TIMEOUT_MS = 30_000;

export interface RatesFetchPolicy {
  allow: OutboundAllowlist;
  maxBytes: number;
  resolve?: Resolver | undefined;
}

/**
 * Fetches a rates file by URL through safeRequest (no redirects, every resolved address checked,
 * the answer capped). Stricter than safeRequest alone: the URL's host must be named in
 * OUTBOUND_ALLOWED_HOSTS even when it is public, so an API key cannot make Tollgate fetch anything
 * the operator did not list (www.ecb.europa.eu, api.nbp.pl). A refusal is a 422 saying why.
 */
export async function fetchRatesFile(url: string, policy: RatesFetchPolicy): Promise<Buffer> {
  const shape = outboundUrlProblem(url);
  if (shape) throw new ValidationError(`url ${shape}`, { errors: [{ path: 'url', message: shape }] });
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  // An address listed by CIDR block counts when the URL names the address itself.
  if (!hostListed(host, policy.allow) && !(isIP(host) !== 0 && addressListed(host, policy.allow))) {
    throw new ValidationError(`the host ${host} is not in OUTBOUND_ALLOWED_HOSTS; the operator lists the rates hosts (www.ecb.europa.eu, api.nbp.pl) there`, {
      errors: [{ path: 'url', message: 'host not allowed' }],
    });
  }
  const res = await safeRequest(
    url,
    { method: 'GET', headers: { accept: 'application/xml, application/json;q=0.9, */*;q=0.1' }, timeoutMs: RATES_FETCH_TIMEOUT_MS, maxResponseBytes: policy.maxBytes },
    { allow: policy.allow, ...(policy.resolve ? { resolve: policy.resolve } : {}) },
  );
  if (!res.ok) {
    if (res.failure === 'too_large') throw new PayloadTooLargeError(`the answer of ${host} is larger than EXCHANGE_RATE_MAX_BYTES (${policy.maxBytes} bytes); nothing was imported`);
    const why = res.failure === 'http_status' ? `answered HTTP ${res.status ?? 0}` : res.failure.replace('_', ' ');
    throw new UnprocessableContentError(`fetching the rates file failed: ${host} ${why}; nothing was imported`, { errors: [{ path: 'url', message: res.failure }] });
  }
  return res.body;
}
