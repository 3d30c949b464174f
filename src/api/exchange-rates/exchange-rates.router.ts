import { OpenAPIHono } from '@hono/zod-openapi';
import { chooseRate } from '../../rates/choose.js';
import { fetchRatesFile, importJournaled } from '../../rates/import.js';
import { type ExchangeRateRow, listRates, ratesForPair, upsertManualRate } from '../../db/exchange-rates.js';
import { journalInbound } from '../../db/inbound-requests.js';
import { PayloadTooLargeError, ValidationError } from '../../domain/errors.js';
import type { AppEnv } from '../env.js';
import { journalHeaders, readBytesCapped, sourceIp } from '../inbound.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemContent } from '../openapi-common.js';
import { ImportQuery, listRatesRoute, RatesImport, setManualRateRoute } from './exchange-rates.routes.js';

/** Kept of each uploaded file in the journal: enough to see what came, not a second copy. */
const JOURNAL_BODY_BYTES = 64 * 1024;

function rateJson(r: ExchangeRateRow) {
  return { base: r.base, quote: r.quote, rate: r.rate, date: r.rate_date, source: r.source, source_ref: r.source_ref, imported_at: r.imported_at.toISOString(), updated_at: r.updated_at.toISOString() };
}

export function exchangeRatesRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/exchange-rates/imports',
    tags: ['Exchange rates'],
    summary: 'Import the ECB reference rates or an NBP table A (a file, or fetched from a URL)',
    description:
      'The file is the request body (ECB: eurofxref-daily.xml, -hist-90d.xml or -hist.xml; NBP: the Web API\'s /exchangerates/tables/A/ answer, JSON or XML), ' +
      'or `url` names where to fetch it (its host must be in OUTBOUND_ALLOWED_HOSTS; no redirects are followed). The upload is journaled before it is read. ' +
      'Whole or nothing: a file that cannot be read is a 422 naming where it broke, and so is one giving another rate than was imported before for the same pair, day and source. ' +
      'The same file twice changes nothing (200, inserted 0). A body or answer over EXCHANGE_RATE_MAX_BYTES is a 413. A `<!DOCTYPE>` or `<!ENTITY>` is refused.',
    security: bearer,
    request: {
      query: ImportQuery,
      body: { content: { 'application/xml': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'string' } } } },
    },
    responses: {
      200: { description: 'Every rate was stored already: nothing changed', content: { 'application/json': { schema: RatesImport } } },
      201: { description: 'Imported', content: { 'application/json': { schema: RatesImport } } },
      400: { description: 'Bad parameters (source, url)', content: problemContent },
      413: { description: 'File too large', content: problemContent },
      422: { description: 'The file cannot be read, contradicts earlier rates, or the URL could not be fetched; nothing imported', content: problemContent },
    },
  });

  app.post('/v1/exchange-rates/imports', requireScope('billing'), async (c) => {
    const deps = c.get('deps');
    const cap = deps.config.EXCHANGE_RATE_MAX_BYTES;
    // A declared length over the cap is refused unread; anything else is read up to the cap.
    const declared = Number(c.req.header('content-length'));
    const { bytes, truncated } = declared > cap ? { bytes: Buffer.alloc(0), truncated: true } : await readBytesCapped(c.req.raw, cap);
    const journalId = await journalInbound(deps.pool, {
      channel: 'exchange_rates',
      source: 'api',
      method: c.req.method,
      path: `${c.req.path}${new URL(c.req.url).search}`,
      headers: journalHeaders(c),
      sourceIp: sourceIp(c),
      body: bytes.subarray(0, JOURNAL_BODY_BYTES).toString('utf8'),
      raw: bytes.subarray(0, JOURNAL_BODY_BYTES),
      bodyTruncated: truncated || bytes.length > JOURNAL_BODY_BYTES,
    });
    const result = await importJournaled(deps.pool, journalId, async () => {
      if (truncated) throw new PayloadTooLargeError(`rates files are limited to ${cap} bytes (EXCHANGE_RATE_MAX_BYTES); nothing was imported`);
      const q = ImportQuery.safeParse(c.req.query());
      if (!q.success) throw new ValidationError('the import parameters are invalid', { errors: q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      const { source, url } = q.data;
      if (url !== undefined && bytes.length > 0) throw new ValidationError('send the file as the body or name a url, not both', { errors: [{ path: 'url', message: 'given with a body' }] });
      return { source, url, bytes: url === undefined ? bytes : await fetchRatesFile(url, { allow: deps.config.OUTBOUND_ALLOWED_HOSTS, maxBytes: cap }) };
    });
    return c.json(result, result.inserted > 0 ? 201 : 200);
  });

  app.openapi(setManualRateRoute, async (c) => {
    const b = c.req.valid('json');
    const { row, created } = await upsertManualRate(c.get('deps').pool, b);
    return c.json(rateJson(row), created ? 201 : 200);
  });

  app.openapi(listRatesRoute, async (c) => {
    const { pool, config } = c.get('deps');
    const q = c.req.valid('query');
    const rows = await listRates(pool, q);
    if (q.base === undefined || q.quote === undefined || q.date === undefined) return c.json({ data: rows.map(rateJson) }, 200);
    const chosen = q.base === q.quote ? undefined : chooseRate(await ratesForPair(pool, q.base, q.quote, q.date, config.EXCHANGE_RATE_MAX_AGE_DAYS), q.base, q.quote);
    const effective = chosen ? { rate: chosen.rate, rate_date: chosen.rateDate, source: chosen.source, method: chosen.method } : null;
    return c.json({ data: rows.map(rateJson), effective }, 200);
  });

  return app;
}
