import { createRoute, z } from '@hono/zod-openapi';
import { RATE_METHODS } from '../../rates/choose.js';
import { rateProblem } from '../../rates/decimal.js';
import { IMPORT_SOURCES, isIsoDay, RATE_SOURCES } from '../../rates/types.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

const Code = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').openapi({ example: 'EUR' });
const Day = z.string().refine(isIsoDay, 'a date, YYYY-MM-DD').openapi({ format: 'date', example: '2024-06-28' });
const RateText = z
  .string()
  .superRefine((v, ctx) => {
    const problem = rateProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ description: 'Units of quote per unit of base, a decimal string (never a JSON number)', example: '4.3090' });

export const ExchangeRate = z
  .object({
    base: Code,
    quote: Code,
    rate: z.string().openapi({ example: '4.3090' }),
    date: z.string().openapi({ format: 'date' }),
    source: z.enum(RATE_SOURCES),
    source_ref: z.string().nullable().openapi({ description: "The published table's number (NBP 125/A/NBP/2024)" }),
    imported_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ExchangeRate');

export const RatesImport = z
  .object({
    source: z.enum(IMPORT_SOURCES),
    days: z.array(z.string()).openapi({ description: 'The days the file holds, oldest first' }),
    rates: z.number().int().openapi({ description: 'Rates in the file' }),
    inserted: z.number().int().openapi({ description: 'Of them, new (0 when the same file was imported before)' }),
  })
  .openapi('ExchangeRatesImport');

export const ImportQuery = z.object({
  source: z.enum(IMPORT_SOURCES).openapi({ description: 'ecb: eurofxref XML; nbp: NBP Web API table A, JSON or XML' }),
  url: z.string().max(2000).optional().openapi({ description: 'Fetch the file from here instead of the body; its host must be in OUTBOUND_ALLOWED_HOSTS' }),
});

export const ManualRateBody = z.object({ base: Code, quote: Code, date: Day, rate: RateText }).strict().refine((b) => b.base !== b.quote, 'base and quote differ').openapi('ManualExchangeRate');

export const setManualRateRoute = createRoute({
  method: 'put',
  path: '/v1/exchange-rates',
  tags: ['Exchange rates'],
  summary: 'Set a manual rate for a pair and day',
  description: 'Creates or corrects the manual rate (1 base = rate quote) of a day. On its day a manual rate wins over the ECB and NBP rates (README "Currency rates"). 201 when created, 200 when it existed (changed or not).',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ManualRateBody } } } },
  responses: {
    200: { description: 'Updated (or already this rate)', content: { 'application/json': { schema: ExchangeRate } } },
    201: { description: 'Created', content: { 'application/json': { schema: ExchangeRate } } },
    ...problemResponses(400, 401, 403),
  },
});

export const EffectiveRate = z
  .object({
    rate: z.string(),
    rate_date: z.string().openapi({ format: 'date' }),
    source: z.enum(RATE_SOURCES),
    method: z.enum(RATE_METHODS),
  })
  .openapi('EffectiveExchangeRate');

export const listRatesRoute = createRoute({
  method: 'get',
  path: '/v1/exchange-rates',
  tags: ['Exchange rates'],
  summary: 'Stored rates, newest day first',
  description:
    'Filters are exact. With base, quote and date all given, `effective` is the rate a payment booked on that day would be converted with ' +
    '(the newest on or before it, within EXCHANGE_RATE_MAX_AGE_DAYS; direct, inverse or cross through EUR or PLN), or null when none is known.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      base: Code.optional(),
      quote: Code.optional(),
      date: Day.optional(),
      source: z.enum(RATE_SOURCES).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: { description: 'Rates', content: { 'application/json': { schema: z.object({ data: z.array(ExchangeRate), effective: EffectiveRate.nullable().optional() }) } } },
    ...problemResponses(400, 401, 403),
  },
});
